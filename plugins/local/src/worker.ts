import { parentPort, workerData } from 'node:worker_threads';
import type { AnyWorkload, Row } from '@streamscore/core';
import { QueryRunner } from './engine.js';

/** A worker of the local engine: runs the query over its partition of the stream. */
interface Init {
  module: string;
  workloadId: string;
  params: Record<string, unknown>;
  watermarkDelayMs: number;
}

type Message = { kind: 'batch'; events: unknown[]; maxEventTime: number } | { kind: 'tick'; now: number } | { kind: 'flush' };

const init = workerData as Init;
const mod = (await import(init.module)) as { workloads?: AnyWorkload[] };
const workload = mod.workloads?.find((w) => w.id === init.workloadId);
if (!workload) throw new Error(`worker: ${init.module} exports no workload ${init.workloadId}`);

let out: Row[] = [];
const runner = new QueryRunner(workload, init.params, (row) => out.push(row), init.watermarkDelayMs);
const port = parentPort!;

function flush(): void {
  if (out.length === 0) return;
  port.postMessage(out);
  out = [];
}

port.on('message', (m: Message) => {
  if (m.kind === 'batch') runner.process(m.events, m.maxEventTime);
  else if (m.kind === 'tick') runner.processingTime(m.now);
  flush();
});
port.postMessage('ready');
