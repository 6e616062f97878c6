/**
 * The plugin's commands exactly as a user runs them: the built CLI (`npx tsc -b` first), a child
 * process. `flock lambda start` runs a local Lambda service in the foreground; `flock functions
 * list|delete` talk to it with --target local --endpoint. Also the CLI's refusal of a workload
 * flock does not run, and `iam-policy --backend flock`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateFunctionCommand, LambdaClient, ListFunctionsCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { writeZip } from './lambda-local/zip.js';

const BIN = new URL('../../../packages/cli/bin/run.js', import.meta.url).pathname;
const BUILT = new URL('../dist/commands/flock/functions/list.js', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'streamscore-flock-cli-'));
const env = { ...process.env, HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('streamscore flock … (the built CLI)', () => {
  let service: ChildProcess;
  let endpoint = '';
  let stdout = '';
  let lambda: LambdaClient;

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: build first (npx tsc -b)`);
    service = spawn(process.execPath, [BIN, 'flock', 'lambda', 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (d) => (stdout += String(d)));
    const deadline = Date.now() + 30_000;
    while (!/listening on (http:\/\/127\.0\.0\.1:\d+)/.test(stdout)) {
      if (Date.now() > deadline || service.exitCode !== null) throw new Error(`flock lambda start did not print its endpoint: ${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    lambda = new LambdaClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const zip = writeZip([{ name: 'index.js', data: Buffer.from('exports.handler = async (e) => e;') }]);
    const create = async (name: string, tags: Record<string, string>) =>
      lambda.send(new CreateFunctionCommand({ FunctionName: name, Role: 'arn:aws:iam::000000000000:role/x', Runtime: 'nodejs20.x', Handler: 'index.handler', MemorySize: 256, Architectures: ['arm64'], Code: { ZipFile: zip }, Tags: tags }));
    const tags = (runId: string) => ({ 'streamscore/tool': 'streamscore', 'streamscore/run-id': runId, 'streamscore/backend': 'flock' });
    await create('ss-flock-aaaaaaaaaa-agg-00', tags('run-a'));
    await create('ss-flock-aaaaaaaaaa-agg-01', tags('run-a'));
    await create('ss-flock-bbbbbbbbbb-map', tags('run-b'));
    await create('ss-flock-cccccccccc-map', {}); // a name alike, not ours
    await create('someone-elses', tags('run-a'));
    for (const n of ['ss-flock-aaaaaaaaaa-agg-00', 'ss-flock-aaaaaaaaaa-agg-01']) await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: n, ReservedConcurrentExecutions: 1 }));
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    if (service && service.exitCode === null) {
      service.kill('SIGKILL');
      await new Promise((r) => service.once('exit', r));
    }
  });

  it('lambda start prints its endpoint and how to list its functions', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toContain(`streamscore flock functions list --target local --endpoint ${endpoint}`);
  });

  it('functions list: flock’s functions only, filtered by run, as JSON and as a table', () => {
    const all = cli('flock', 'functions', 'list', '--target', 'local', '--endpoint', endpoint, '--json');
    expect(all.code).toBe(0);
    const out = JSON.parse(all.stdout) as { target: string; functions: { name: string; runId?: string; reservedConcurrency?: number; memoryMB?: number; architecture?: string }[] };
    expect(out.target).toBe('local');
    expect(out.functions.map((f) => f.name)).toEqual(['ss-flock-aaaaaaaaaa-agg-00', 'ss-flock-aaaaaaaaaa-agg-01', 'ss-flock-bbbbbbbbbb-map']);
    expect(out.functions[0]).toMatchObject({ runId: 'run-a', reservedConcurrency: 1, memoryMB: 256, architecture: 'arm64' });

    const a = cli('flock', 'functions', 'list', '--endpoint', endpoint, '--run-id', 'run-a');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^function\s+run\s+memory\s+arch\s+reserved/);
    expect(a.stdout).toContain('ss-flock-aaaaaaaaaa-agg-01  run-a');
    expect(a.stdout).not.toContain('bbbbbbbbbb');

    const none = cli('flock', 'functions', 'list', '--endpoint', endpoint, '--run-id', 'run-z');
    expect(none.stdout.trim()).toBe('No flock functions of run run-z.');
  });

  it('functions list --target local without --endpoint says how to get one', () => {
    const r = cli('flock', 'functions', 'list', '--target', 'local');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give its --endpoint/);
    expect(r.stderr).toMatch(/streamscore flock lambda start/);
  });

  it('functions delete: --run-id or --all, never neither', async () => {
    const neither = cli('flock', 'functions', 'delete', '--endpoint', endpoint);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/Give --run-id RUN, or --all/);

    const a = cli('flock', 'functions', 'delete', '--endpoint', endpoint, '--run-id', 'run-a', '--json');
    expect(a.code).toBe(0);
    expect((JSON.parse(a.stdout) as { deleted: string[] }).deleted).toEqual(['ss-flock-aaaaaaaaaa-agg-00', 'ss-flock-aaaaaaaaaa-agg-01']);
    const left = async () => ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName).sort();
    expect(await left()).toEqual(['someone-elses', 'ss-flock-bbbbbbbbbb-map', 'ss-flock-cccccccccc-map']);

    const rest = cli('flock', 'functions', 'delete', '--endpoint', endpoint, '--all');
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(/ss-flock-bbbbbbbbbb-map\s+deleted/);
    expect(await left()).toEqual(['someone-elses', 'ss-flock-cccccccccc-map']);
  });

  it('lambda start stops on Ctrl-C (SIGINT)', async () => {
    const exited = new Promise<number | null>((r) => service.once('exit', (code) => r(code)));
    service.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/Local Lambda service stopped\./);
  });

  it('run refuses a workload flock does not run, with its reason, before creating anything', () => {
    const r = cli('run', 'nexmark/q3', '--backend', 'flock', '--target', 'local', '--rate', '100', '--duration', '2s', '--quiet');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/The flock backend cannot run nexmark\/q3: .*joins every auction with every person seen so far/);
    expect(r.stderr).toMatch(/It runs: nexmark\/q0, nexmark\/q1/);
  });

  it('iam-policy --backend flock prints the caller policy', () => {
    const r = cli('iam-policy', '--backend', 'flock');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as { Statement: { Action: string | string[] }[] };
    const actions = p.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['lambda:CreateFunction', 'lambda:PutFunctionConcurrency', 'logs:FilterLogEvents', 'iam:PassRole']));
  });
});
