/**
 * End to end, with a real Flink: the harness (runBenchmark) writes NEXMark events to kinesalite
 * (in this process) → a local Flink cluster (1 JobManager + 1 TaskManager JVM, started by
 * resources/launch-node.sh from Maven Central's jars) runs the job jar with the workload's own
 * Flink SQL (workloads/nexmark/resources/flink: ddl.sql + q0.sql) → kinesalite → the harness
 * reads the rows back and checks them against the oracle.
 *
 * Needs java, the Flink jars (scripts/install-flink.sh) and the job jar
 * (scripts/build-flink-job.sh); the test command runs every scripts/install-*.sh first.
 * STREAMSCORE_SKIP_FLINK=1 skips it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type AnyWorkload, type RunContext } from '@streamscore/core';
import { runBenchmark } from '@streamscore/harness';
import { KinesisHarnessTransport, startLocalKinesis, type LocalKinesis } from '@streamscore/kinesis';
import { q0, q5 } from '@streamscore/workload-nexmark';
import { flinkBackend } from '../backend.js';
import { jobJarExists, jobJarPath, LAUNCHER, PLUGIN_ROOT } from '../paths.js';
import { clusterRunning, listLocalClusters } from './cluster.js';
import { javaPrerequisite } from '@streamscore/testkit/prerequisites';

javaPrerequisite().describe('flink local target, end to end (harness → kinesalite → Flink q0 → kinesalite → oracle)', () => {
  let kinesis: LocalKinesis | undefined;

  beforeAll(() => {
    const repo = join(PLUGIN_ROOT, '..', '..');
    // Normally done by scripts/install-flink.sh before the tests; cheap when already done.
    execFileSync('bash', [LAUNCHER, 'fetch'], { stdio: 'inherit', timeout: 600_000 });
    if (!jobJarExists()) execFileSync('bash', [join(repo, 'scripts', 'build-flink-job.sh')], { stdio: 'inherit', timeout: 600_000 });
    expect(existsSync(jobJarPath())).toBe(true);
  }, 900_000);

  afterAll(async () => {
    await kinesis?.stop();
  });

  it('runs nexmark q0 on a real local Flink cluster; the verdict passes and nothing is left running', async () => {
    kinesis = await startLocalKinesis();
    const runId = `flink-e2e-${Date.now().toString(36)}`;
    const logs: string[] = [];
    const transport = new KinesisHarnessTransport({ runId, endpoint: kinesis.endpoint, region: 'us-east-1', backend: 'flink' });
    const started = Date.now();
    const result = await runBenchmark({
      backend: flinkBackend,
      workload: q0 as unknown as AnyWorkload,
      target: 'local',
      knobs: { parallelism: 1, taskmanagers: 1, 'tm-memory-mb': 1024 },
      rate: 500,
      warmupS: 0,
      durationS: 8,
      transport,
      runId,
      toolVersion: 'test',
      log: (m) => logs.push(m),
    });
    console.log(
      `flink e2e: ${Date.now() - started} ms in all; ${logs.filter((l) => /ready|running/.test(l)).join('; ')}; ` +
        `verdict ${result.verdict.status} ${result.verdict.matched}/${result.verdict.expected}; latency p50 ${result.summary.latency.p50} us, p99 ${result.summary.latency.p99} us`,
    );
    expect(result.verdict.status).toBe('pass');
    expect(result.verdict.missing).toBe(0);
    expect(result.verdict.unexpected).toBe(0);
    expect(result.verdict.expected).toBeGreaterThan(3000);
    expect(result.summary.eventsOut).toBe(result.verdict.expected);
    // Backend metrics from Flink's REST API are in the intervals.
    expect(result.intervals.some((i) => i.backend?.['taskManagers'] === 1)).toBe(true);
    // Both JVMs were in the ledger before they started, and are gone.
    const procs = result.ledger.filter((e) => e.kind === 'local-process');
    expect(procs.map((e) => e.size).sort()).toEqual(['jobmanager', 'taskmanager']);
    expect(procs.every((e) => e.state === 'deleted')).toBe(true);
    const cluster = listLocalClusters().find((c) => c.runId === runId);
    expect(cluster).toBeDefined();
    expect(clusterRunning(cluster!)).toBe(false);
    // cleanup finds nothing running and removes the stopped cluster's homes (config, logs).
    const ctx: RunContext = { runId, ledger: new Ledger(runId), log: () => {}, signal: new AbortController().signal };
    const report = await flinkBackend.cleanup({ runId }, ctx);
    expect(report.found).toEqual([]);
    expect(existsSync(cluster!.dir)).toBe(false);
  }, 240_000);

  it('runs nexmark q5 (hopping windows, watermarks from the DDL) on a real local Flink cluster; the verdict passes', async () => {
    kinesis ??= await startLocalKinesis();
    const runId = `flink-e2e-q5-${Date.now().toString(36)}`;
    const transport = new KinesisHarnessTransport({ runId, endpoint: kinesis.endpoint, region: 'us-east-1', backend: 'flink' });
    const result = await runBenchmark({
      backend: flinkBackend,
      workload: q5 as unknown as AnyWorkload,
      target: 'local',
      knobs: { parallelism: 1, taskmanagers: 1, 'tm-memory-mb': 1024 },
      rate: 1000,
      durationS: 12,
      transport,
      runId,
      toolVersion: 'test',
    });
    console.log(`flink e2e q5: verdict ${result.verdict.status} ${result.verdict.matched}/${result.verdict.expected} over ${result.verdict.covered} windows; p50 ${result.summary.latency.p50} us`);
    expect(result.verdict.status).toBe('pass');
    expect(result.verdict.missing).toBe(0);
    expect(result.verdict.unexpected).toBe(0);
    // 12 s of events with a 2 s slide: windows ending every 2 s were judged.
    expect(result.verdict.covered).toBeGreaterThanOrEqual(4);
    // Windowed latency is measured from the window's end: at least the 4 s watermark delay.
    expect(result.summary.latency.p50).toBeGreaterThan(4_000_000);
    expect(result.ledger.filter((e) => e.kind === 'local-process').every((e) => e.state === 'deleted')).toBe(true);
  }, 300_000);
});
