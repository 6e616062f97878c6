/**
 * `streamscore doctor --target aws` as a user runs it, against moto's server (scripts/install-moto.sh)
 * reached through the SDK's own AWS_ENDPOINT_URL: STS, IAM, Service Quotas and Kinesis over the
 * real wire protocol. What it proves: the calls are well-formed, the identity and Kinesis's shard
 * limit are read, every cloud backend's policy is checked, and what moto cannot answer (Service
 * Quotas beyond VPC, the policy simulator) comes out as `unknown` with a fix — never as a crash or
 * a false `ok`. Denials and low quotas: packages/harness/src/doctor/doctor.test.ts (mocked).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';

const BIN = new URL('../packages/cli/bin/run.js', import.meta.url).pathname;
let moto: MotoServer;
let home: string;

beforeAll(async () => {
  moto = await startMotoServer();
  home = mkdtempSync(join(tmpdir(), 'ss-doctor-'));
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  rmSync(home, { recursive: true, force: true });
});

function doctor(args: string[], env: Record<string, string | undefined>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return spawnSync(process.execPath, [BIN, 'doctor', '--target', 'aws', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...clean, HOME: home, ...env } });
}

const MOTO_ENV = () => ({ AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });

describe('streamscore doctor --target aws', () => {
  it('reads the identity and the shard limit from moto, checks every cloud backend, and says what it could not check', () => {
    const r = doctor(['--region', 'us-east-1', '--shards', '4', '--json'], MOTO_ENV());
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { identity: { account: string }; ready: boolean; lines: { check: string; status: string; detail: string; fix?: string }[] };
    const byCheck = Object.fromEntries(report.lines.map((l) => [l.check, l]));
    expect(report.identity.account).toBe('123456789012'); // moto's fixed account
    expect(byCheck['identity']!.status).toBe('ok');
    // moto's fixed Kinesis limits: 6,000 shards, none open.
    expect(byCheck['Kinesis shards per region']).toMatchObject({ status: 'ok', detail: '6000 free (0 of 6000 open) ≥ 4 needed' });
    // moto serves VPC quotas only, and has no policy simulator: unknown, each with its fix.
    for (const q of ['Lambda concurrent executions', 'Managed Flink KPUs per application', 'EC2 on-demand Standard vCPUs']) expect(byCheck[q]!.status).toBe('unknown');
    expect(byCheck['Lambda concurrent executions']!.fix).toContain('--quota-code L-B99A9384');
    for (const b of ['flink (ec2)', 'flock (aws)', 'kda (aws)']) {
      expect(byCheck[`${b} IAM permissions`]!.status).toBe('unknown');
      expect(byCheck[`${b} IAM permissions`]!.fix).toContain(`streamscore iam-policy --backend ${b.split(' ')[0]}`);
    }
    expect(report.lines.every((l) => !l.detail.includes('\n'))).toBe(true);
  }, 120_000);

  it('fails with the fix when credentials do not resolve or no region is set, and refuses a backend without a cloud target', () => {
    const noRegion = doctor([], MOTO_ENV());
    expect(noRegion.status).toBe(1);
    expect(noRegion.stdout).toMatch(/region\s+missing\s+no region given.*Give --region/);
    const noCreds = doctor(['--region', 'us-east-1'], { AWS_ENDPOINT_URL: moto.endpoint, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(noCreds.status).toBe(1);
    expect(noCreds.stdout).toMatch(/identity\s+missing.*AWS_PROFILE/);
    const local = doctor(['--region', 'us-east-1', '--backend', 'local'], MOTO_ENV());
    expect(local.status).toBe(2);
    expect(local.stderr.trim().split('\n').filter((l) => l.startsWith('streamscore:'))).toEqual(['streamscore: None of local runs on --target aws. Run `streamscore backends` to see each backend’s targets.']);
  }, 120_000);
});
