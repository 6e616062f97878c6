/**
 * The campaign loop with stand-in backends whose plans and bills are hand-set: the projection
 * per cell (a search's bound, a day's peak), the cap refusing before anything runs, the measured
 * spend stopping the campaign, a resumed journal repeating nothing, and a cell killed half-way
 * cleaned up before it runs again. test/campaign.test.ts runs the CLI end to end.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyWorkload, Backend, CleanupFilter, Result } from '@streamscore/core';
import { campaignCells, CampaignFileSchema, readCampaignFile, type CampaignFile } from './campaign-file.js';
import { projectCampaign, runCampaign, type CampaignRunDeps, type CellProjection } from './campaign.js';
import { CampaignJournal } from './journal.js';
import { campaignNeeds } from './needs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ss-campaign-'));
  dirs.push(d);
  return d;
}

/** A backend billing $0.001 per (1,000 events/s × second), whose cleanup reports what the test left. */
function fakeBackend(name: string, leftovers: Map<string, number> = new Map()): Backend & { cleaned: CleanupFilter[] } {
  const cleaned: CleanupFilter[] = [];
  return {
    name,
    description: 'stand-in',
    capabilities: { workloads: ['*'], targets: ['aws'], transports: ['kinesis'], knobs: {} },
    transportFor: () => 'kinesis',
    plan: async (req) => ({
      backend: name,
      target: req.target,
      request: req,
      resources: [{ kind: 'thing', name: `${name}-${req.rate}`, count: 1, projectedCostUsd: (req.rate / 1000) * req.durationS * 0.001 }],
      projectedCostUsd: (req.rate / 1000) * req.durationS * 0.001,
      notes: [],
    }),
    provision: async () => {
      throw new Error('not used');
    },
    start: async () => {},
    metrics: async () => ({}),
    stop: async () => {},
    teardown: async () => {},
    cleanup: async (filter) => {
      cleaned.push(filter);
      const n = leftovers.get(filter.runId ?? '') ?? 0;
      leftovers.delete(filter.runId ?? '');
      const found = Array.from({ length: n }, (_, i) => ({ kind: 'thing', id: `${filter.runId}-${i}` }));
      return { found, deleted: found, failed: [] };
    },
    cleaned,
  };
}

const workload = { id: 'nexmark/q0' } as unknown as AnyWorkload;

function file(o: Partial<CampaignFile>): CampaignFile {
  return CampaignFileSchema.parse({ maxCostUsd: 1, workloads: ['nexmark/q0'], backends: [{ backend: 'a', target: 'aws' }], rates: [1000], duration: '10s', ...o });
}

async function project(f: CampaignFile, backends: Record<string, Backend>) {
  const cells = campaignCells(f).map((cell) => ({ cell, backend: backends[cell.backend]!, workload, target: cell.target ?? 'aws' }));
  return projectCampaign(f, cells, { durationS: 10 });
}

function deps(backends: Record<string, Backend>, bill: (c: CellProjection) => number, o: { runs?: string[]; kill?: string } = {}): CampaignRunDeps {
  let n = 0;
  return {
    signal: new AbortController().signal,
    log: () => {},
    // The stand-in Results are not whole Results: kept in memory, not validated and written.
    saveResult: () => {},
    newRunId: (w, b) => `run-${b}-${++n}`,
    backendNamed: (name) => backends[name]!,
    runCell: async (c, runId) => {
      o.runs?.push(c.cell.id);
      if (o.kill === c.cell.id) throw Object.assign(new Error('SIGKILL stand-in'), { kill: true });
      return { result: { runId, verdict: { status: 'pass' }, cost: { totalUsd: bill(c) } } as unknown as Result, spentUsd: bill(c) };
    },
  };
}

describe('campaign', () => {
  it('reads its file with zod and names each cell stably', () => {
    const d = tmp();
    writeFileSync(join(d, 'c.yaml'), 'maxCostUsd: 0.5\nworkloads: [nexmark/q0]\nbackends: [{backend: flock, target: aws, knobs: {memory: 1024}}]\nrates: [1000, 5000]\nlatencySlo: 2s\nfindMax: {startRate: 1000, maxRate: 8000}\nday: {shape: "step:1k@5s,3k@5s", rate: 3000}\n');
    const cells = campaignCells(readCampaignFile(join(d, 'c.yaml')));
    expect(cells.map((c) => c.id)).toEqual([
      'nexmark/q0 | flock aws memory=1024 | rate 1000',
      'nexmark/q0 | flock aws memory=1024 | rate 5000',
      'nexmark/q0 | flock aws memory=1024 | find-max 1000..8000',
      'nexmark/q0 | flock aws memory=1024 | day step:1k@5s,3k@5s',
    ]);
    writeFileSync(join(d, 'bad.yaml'), 'maxCostUsd: 1\nworkloads: [nexmark/q0]\nbackends: [{backend: flock}]\nrates: [1000]\nfindMax: {startRate: 1, maxRate: 2}\n');
    expect(() => readCampaignFile(join(d, 'bad.yaml'))).toThrow(/latencySlo: findMax needs latencySlo/);
    // A configuration's own bounds replace the campaign's for its search alone.
    writeFileSync(join(d, 'own.yaml'), 'maxCostUsd: 1\nworkloads: [nexmark/q0]\nbackends: [{backend: local}, {backend: flink, findMax: {startRate: 500}}]\nlatencySlo: 2s\nfindMax: {startRate: 4000, maxRate: 8000, precision: 0.25}\n');
    const own = readCampaignFile(join(d, 'own.yaml'));
    expect(own.findMax!.precision).toBe(0.25);
    expect(campaignCells(own).map((c) => [c.id, c.rate, c.maxRate])).toEqual([
      ['nexmark/q0 | local | find-max 4000..8000', 4000, 8000],
      ['nexmark/q0 | flink | find-max 500..8000', 500, 8000],
    ]);
    writeFileSync(join(d, 'upside.yaml'), 'maxCostUsd: 1\nworkloads: [nexmark/q0]\nbackends: [{backend: flink, findMax: {startRate: 9000}}]\nlatencySlo: 2s\nfindMax: {startRate: 4000, maxRate: 8000}\n');
    expect(() => campaignCells(readCampaignFile(join(d, 'upside.yaml')))).toThrow(/starts at 9000 events\/s, above its maxRate 8000/);
    writeFileSync(join(d, 'none.yaml'), 'maxCostUsd: 1\nworkloads: [nexmark/q0]\nbackends: [{backend: flock}]\n');
    expect(() => readCampaignFile(join(d, 'none.yaml'))).toThrow(/a campaign with nothing to run/);
  });

  it('projects a rate from its plan, a search as its bound and a day at its peak, and says when the total passes the cap', async () => {
    const a = fakeBackend('a');
    const p = await project(file({ rates: [1000, 5000], latencySlo: '1s', findMax: { startRate: 1000, maxRate: 4000, repeat: 1, precision: 0.1 }, day: { shape: 'step:1k@5s,3k@5s', rate: 3000 } }), { a });
    // Hand-worked: $0.001 per 1k events/s per second.
    // rate 1000 for 10 s = 0.01; rate 5000 for 10 s = 0.05; search: 16 trials × 4000 for 10 s = 16 × 0.04 = 0.64; day: 3000 for 10 s = 0.03.
    expect(p.cells.map((c) => Number(c.projectedUsd.toFixed(6)))).toEqual([0.01, 0.05, 0.64, 0.03]);
    expect(p.totalUsd).toBeCloseTo(0.73, 9);
    expect(p.withinCap).toBe(true);
    expect(p.cells[0]!.resources).toEqual([{ kind: 'thing', name: 'a-1000', count: 1, projectedCostUsd: 0.01 }]);
    const over = await project(file({ maxCostUsd: 0.05, rates: [1000, 5000] }), { a });
    expect(over.withinCap).toBe(false);
  });

  it('stops when the measured spend reaches the cap, though the projection fitted', async () => {
    const a = fakeBackend('a');
    const out = tmp();
    const p = await project(file({ maxCostUsd: 0.1, rates: [1000, 2000, 3000] }), { a });
    expect(p.totalUsd).toBeCloseTo(0.06, 9);
    // The platform bills more than projected: $0.06 a cell.
    const o = await runCampaign(p, out, deps({ a }, () => 0.06));
    expect(o.cells.map((c) => c.status)).toEqual(['done', 'done', 'not run']);
    expect(o.spentUsd).toBeCloseTo(0.12, 9);
    expect(o.stopped).toBe('the measured spend $0.1200 reached the cap $0.1');
    // Each finished cell was swept for leftovers of its run.
    expect(a.cleaned.map((f) => f.runId)).toEqual(['run-a-1', 'run-a-2']);
  });

  it('does not start a cell whose projection would pass the cap', async () => {
    const out = tmp();
    const a = fakeBackend('a');
    const p = await project(file({ maxCostUsd: 0.04, rates: [1000, 3000] }), { a });
    expect(p.totalUsd).toBeCloseTo(0.04, 9);
    const o = await runCampaign(p, out, deps({ a }, () => 0.011));
    expect(o.cells.map((c) => c.status)).toEqual(['done', 'not run']);
    expect(o.stopped).toBe('nexmark/q0 | a aws | rate 3000 is projected at $0.0300, past the cap with $0.0110 spent');
  });

  it('resumes from its journal: finished cells are not repeated, a cell killed half-way is cleaned up and run again', async () => {
    const out = tmp();
    const leftovers = new Map<string, number>();
    const a = fakeBackend('a', leftovers);
    const p = await project(file({ rates: [1000, 2000, 3000] }), { a });
    // First invocation: cell 1 done; cell 2 is "killed" after its start line (the process dies: no failed line).
    const first = await runCampaign({ ...p, cells: p.cells.slice(0, 1) }, out, deps({ a }, (c) => c.projectedUsd));
    expect(first.cells.map((c) => c.status)).toEqual(['done']);
    const journal = new CampaignJournal(join(out, 'campaign-journal.jsonl'));
    journal.append({ state: 'started', cell: p.cells[1]!.cell.id, runId: 'run-killed', backend: 'a', projectedUsd: 0.02, at: new Date().toISOString() });
    // It had started a run of its own (a search's trial) when it was killed.
    journal.append({ state: 'run', cell: p.cells[1]!.cell.id, runId: 'run-killed-trial', parent: 'run-killed', at: new Date().toISOString() });
    leftovers.set('run-killed', 2);
    leftovers.set('run-killed-trial', 1);
    // A line cut in half by the kill is ignored.
    writeFileSync(journal.path, readFileSync(journal.path, 'utf8') + '{"state":"sta');
    const runs: string[] = [];
    const second = await runCampaign(p, out, deps({ a }, (c) => c.projectedUsd, { runs }));
    expect(runs).toEqual([p.cells[1]!.cell.id, p.cells[2]!.cell.id]);
    expect(second.cells.map((c) => c.status)).toEqual(['done earlier', 'done', 'done']);
    expect(a.cleaned.slice(1, 3)).toEqual([{ runId: 'run-killed' }, { runId: 'run-killed-trial' }]);
    expect(leftovers.size).toBe(0);
    // Spend: 0.01 + 0.02 + 0.03 measured, plus the killed attempt's projection 0.02.
    expect(second.spentUsd).toBeCloseTo(0.08, 9);
    const lines = new CampaignJournal(journal.path).read();
    expect(lines.find((l) => l.state === 'cleaned')).toMatchObject({ runId: 'run-killed', found: 3, deleted: 3 });
    // A third invocation has nothing left to do.
    const third = await runCampaign(p, out, deps({ a }, () => 1, { runs: (runs.length = 0, runs) }));
    expect(runs).toEqual([]);
    expect(third.cells.every((c) => c.status === 'done earlier')).toBe(true);
  });

  it('needs what its largest cell uses at once, read from the plans', () => {
    const cell = (resources: { kind: string; size?: string; count: number }[]) => ({ resources, projectedUsd: 0 }) as unknown as CellProjection;
    const p = {
      cells: [
        cell([{ kind: 'kinesis-shard', count: 2 }, { kind: 'ec2-instance', size: 'c6g.xlarge', count: 3 }]),
        cell([{ kind: 'kinesis-shard', count: 4 }, { kind: 'lambda-function', count: 8 }, { kind: 'kda-application', size: '4 KPU + 1 orchestration KPU (FLINK-2_2)', count: 1 }]),
        cell([{ kind: 'ec2-instance', size: 'g5.xlarge', count: 1 }]),
      ],
      totalUsd: 0,
      maxCostUsd: 1,
      withinCap: true,
    };
    // c6g.xlarge: 4 vCPUs × 3 = 12 (Standard family); g5 is not Standard. Shards: the larger cell's 4.
    expect(campaignNeeds(p, (t) => ({ 'c6g.xlarge': 4, 'g5.xlarge': 4 })[t]!)).toEqual({ kinesisShards: 4, lambdaConcurrency: 8, ec2StandardVcpus: 12, kpusPerApplication: 4 });
  });

  it('a cell interrupted with a partial Result is kept but not done: the resumed campaign runs it again', async () => {
    const out = tmp();
    const a = fakeBackend('a');
    const p = await project(file({ rates: [1000, 2000] }), { a });
    const ctl = new AbortController();
    const d = deps({ a }, () => 0.001);
    const first = await runCampaign(p, out, {
      ...d,
      signal: ctl.signal,
      runCell: async (c, runId) => {
        ctl.abort(); // SIGTERM during the cell's search: it returns what it measured
        return { result: { runId, complete: false, incompleteReason: 'interrupted', verdict: { status: 'pass' }, cost: { totalUsd: 0.001 } } as unknown as Result, spentUsd: 0.001 };
      },
    });
    expect(first.cells.map((c) => c.status)).toEqual(['failed', 'not run']);
    expect(first.cells[0]!.reason).toMatch(/^interrupted; what it measured is kept in .*run-a-1\.json$/);
    expect(first.stopped).toBe('interrupted');
    const runs: string[] = [];
    const second = await runCampaign(p, out, deps({ a }, () => 0.001, { runs }));
    expect(runs).toEqual(p.cells.map((c) => c.cell.id));
    expect(second.cells.map((c) => c.status)).toEqual(['done', 'done']);
  });

  it('journals the runs inside a cell (a search\'s trials) and sweeps each of them too', async () => {
    const out = tmp();
    const a = fakeBackend('a');
    const p = await project(file({ rates: [1000] }), { a });
    const d = deps({ a }, () => 0.001);
    const o = await runCampaign(p, out, {
      ...d,
      runCell: async (c, runId, signal, runStarting) => {
        runStarting(`${runId}-trial-1`);
        runStarting(`${runId}-trial-2`);
        return d.runCell(c, runId, signal, runStarting);
      },
    });
    expect(o.cells[0]!.status).toBe('done');
    const runs = new CampaignJournal(join(out, 'campaign-journal.jsonl')).read().filter((l) => l.state === 'run');
    expect(runs.map((l) => (l.state === 'run' ? [l.runId, l.parent] : []))).toEqual([
      ['run-a-1-trial-1', 'run-a-1'],
      ['run-a-1-trial-2', 'run-a-1'],
    ]);
    expect(a.cleaned.map((f) => f.runId)).toEqual(['run-a-1', 'run-a-1-trial-1', 'run-a-1-trial-2']);
    // Each sweep names the cell's target, so a local cell's sweep does not search a cloud.
    expect(a.cleaned.every((f) => f.target === 'aws')).toBe(true);
  });
});
