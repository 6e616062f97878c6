/**
 * Flock's source/window driver in a process of its own, apart from the harness's load driver and
 * collector (the instrument apart from the subject): started by ./remote.ts with `fork`, it reads
 * the run's Kinesis input, cuts epochs and invokes the functions exactly as in process, sends its
 * counters to the parent every 100 ms, and hands back its accounts when told to stop. It exits
 * when its parent goes.
 */
import type { AnyWorkload } from '@streamscore/core';
import { KinesisReader, kinesisClient } from '@streamscore/kinesis';
import { lambdaClient, type ParsedReport } from '../lambda-client.js';
import type { FlockQueryPlan } from '../query.js';
import type { EventRow } from '../function/payload.js';
import { FlockDriver } from './driver.js';

export interface DriverProcessInit {
  lambda: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
  kinesis: { region: string; endpoint?: string; stream: string };
  /** The module that exports the workload (its `workloads` list) and its id: for its event time. */
  workload: { module: string; id: string };
  plan: FlockQueryPlan;
  functions: string[];
  invocation: 'sync' | 'async';
  epochMs: number;
  maxFragmentBytes?: number;
  statics?: Record<string, readonly EventRow[]>;
}

export type ToDriver = { kind: 'init'; init: DriverProcessInit } | { kind: 'report'; report: ParsedReport } | { kind: 'stop'; timeoutMs: number };

async function main(): Promise<void> {
  let driver: FlockDriver | undefined;
  let reader: KinesisReader<object> | undefined;
  let kc: { destroy(): void } | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const send = (m: unknown) => process.send?.(m);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw: unknown) => {
    const m = raw as ToDriver;
    void (async () => {
      try {
        if (m.kind === 'init') {
          const i = m.init;
          const mod = (await import(i.workload.module)) as { workloads?: AnyWorkload[] };
          const workload = mod.workloads?.find((w) => w.id === i.workload.id);
          if (!workload) throw new Error(`workload ${i.workload.id} is not among ${i.workload.module}'s workloads`);
          const lambda = await lambdaClient({ region: i.lambda.region, ...(i.lambda.endpoint ? { endpoint: i.lambda.endpoint } : {}), ...(i.lambda.credentials ? { credentials: i.lambda.credentials } : {}) });
          const d = new FlockDriver({
            lambda,
            plan: i.plan,
            functions: i.functions,
            invocation: i.invocation,
            epochMs: i.epochMs,
            ...(i.maxFragmentBytes !== undefined ? { maxFragmentBytes: i.maxFragmentBytes } : {}),
            ...(i.statics ? { statics: i.statics } : {}),
            eventTime: (e) => workload.eventTime(e),
            log: (line) => send({ kind: 'log', line }),
          });
          driver = d;
          const client = await kinesisClient({ region: i.kinesis.region, ...(i.kinesis.endpoint ? { endpoint: i.kinesis.endpoint } : {}) });
          kc = client;
          reader = new KinesisReader<object>(client, i.kinesis.stream, { start: 'TRIM_HORIZON', onRows: (rows) => d.push(rows) });
          d.attachReader(reader);
          await reader.start();
          d.start();
          ticker = setInterval(() => send({ kind: 'stats', stats: d.stats, position: d.position() }), 100);
          send({ kind: 'ready' });
        } else if (m.kind === 'report') {
          driver?.addReport(m.report);
        } else if (m.kind === 'stop') {
          if (ticker) clearInterval(ticker);
          await driver?.stop(m.timeoutMs);
          await reader?.stop();
          kc?.destroy();
          send({ kind: 'stopped', snapshot: driver?.snapshot(), position: driver?.position() ?? {} });
          process.disconnect?.();
        }
      } catch (e) {
        send({ kind: 'error', message: (e as Error).message });
      }
    })();
  });
}

void main();
