import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMotoServer, type MotoServer } from './moto-server.js';

describe('moto server fixture', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMotoServer();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('answers the AWS query protocol on 127.0.0.1 (EC2 DescribeRegions)', async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=testing/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=DescribeRegions&Version=2016-11-15',
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/us-east-1/);
  });
});
