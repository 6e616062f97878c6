/**
 * `streamscore campaign FILE` as a user runs it.
 * - Dry run against moto's server (reached through the SDK's AWS_ENDPOINT_URL): every cloud
 *   backend's plan is printed with its resources and projected bill, a campaign over its cap is
 *   refused in one line (exit 2), `--yes` refuses when doctor finds no identity, and
 *   nothing is created in the account.
 * The SIGKILLed campaign resumed: test/campaign-resume.test.ts; on kda: test/campaign-kda.test.ts.
 * The cap stopping a campaign on measured spend: packages/harness/src/campaign/campaign.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EC2Client, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { LambdaClient, ListFunctionsCommand, ListLayersCommand } from '@aws-sdk/client-lambda';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';

const BIN = new URL('../packages/cli/bin/run.js', import.meta.url).pathname;
let moto: MotoServer;
let dir: string;

beforeAll(async () => {
  moto = await startMotoServer();
  dir = mkdtempSync(join(tmpdir(), 'ss-campaign-e2e-'));
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return { ...clean, HOME: dir, AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
}

function campaign(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'campaign', ...args], { encoding: 'utf8', timeout: 240_000, env: env() });
}

const CLOUD = (cap: number) => `title: first AWS campaign
maxCostUsd: ${cap}
workloads: [nexmark/q1]
backends:
  - { backend: flock, target: aws, knobs: { memory: 1024, arch: arm64 } }
  - { backend: kda, target: aws, knobs: { parallelism: 1 } }
  - { backend: flink, target: ec2, knobs: { instance-type: c6g.large, nodes: 2 } }
rates: [1000]
duration: 60s
`;

describe('streamscore campaign', () => {
  it('dry run: every cell’s resources and projected bill; over the cap it refuses; nothing is created', async () => {
    writeFileSync(join(dir, 'cloud.yaml'), CLOUD(1));
    const ok = campaign([join(dir, 'cloud.yaml'), '--out', join(dir, 'dry'), '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    const p = (JSON.parse(ok.stdout) as { projection: { cells: { cell: string; projectedUsd: number; resources: { kind: string }[] }[]; totalUsd: number } }).projection;
    expect(p.cells.map((c) => c.cell)).toEqual([
      'nexmark/q1 | flock aws memory=1024 arch=arm64 | rate 1000',
      'nexmark/q1 | kda aws parallelism=1 | rate 1000',
      'nexmark/q1 | flink ec2 instance-type=c6g.large nodes=2 | rate 1000',
    ]);
    expect(p.cells[0]!.resources.map((r) => r.kind)).toContain('lambda-layer');
    expect(p.cells[1]!.resources.map((r) => r.kind)).toContain('kda-application');
    expect(p.cells[2]!.resources.map((r) => r.kind)).toContain('ec2-instance');
    expect(p.cells.every((c) => c.projectedUsd > 0)).toBe(true);
    expect(p.totalUsd).toBeCloseTo(p.cells.reduce((s, c) => s + c.projectedUsd, 0), 9);

    writeFileSync(join(dir, 'over.yaml'), CLOUD(0.01));
    const over = campaign([join(dir, 'over.yaml'), '--out', join(dir, 'over'), '--yes']);
    expect(over.status).toBe(2);
    expect(over.stdout).toContain('OVER THE CAP');
    expect(over.stderr.split('\n').filter((l) => l.startsWith('streamscore:'))).toEqual([
      expect.stringMatching(/^streamscore: The campaign is projected at \$0\.\d+, above its maxCostUsd \$0\.01: nothing was created\. Remove cells/),
    ]);
    expect(existsSync(join(dir, 'over', 'campaign-journal.jsonl'))).toBe(false);

    // --yes checks the account first (doctor): with credentials that resolve to nobody, nothing starts.
    const noCreds = spawnSync(process.execPath, [BIN, 'campaign', join(dir, 'cloud.yaml'), '--out', join(dir, 'no-creds'), '--yes'], {
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        ...Object.fromEntries(Object.entries(env()).filter(([k]) => k !== 'AWS_ACCESS_KEY_ID' && k !== 'AWS_SECRET_ACCESS_KEY')),
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(noCreds.status, noCreds.stderr).toBe(2);
    expect(noCreds.stderr).toContain('streamscore: The account is not ready for this campaign: identity (STS GetCallerIdentity failed');
    expect(existsSync(join(dir, 'no-creds', 'campaign-journal.jsonl'))).toBe(false);

    const cfg = { region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const lambda = new LambdaClient(cfg);
    const ec2 = new EC2Client(cfg);
    const iam = new IAMClient(cfg);
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await lambda.send(new ListLayersCommand({}))).Layers ?? []).toEqual([]);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).toEqual([]);
    expect(((await iam.send(new ListRolesCommand({ PathPrefix: '/streamscore/' }))).Roles ?? []).length).toBe(0);
    for (const c of [lambda, ec2, iam]) c.destroy();
  }, 240_000);
});
