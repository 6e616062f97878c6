import { afterAll } from 'vitest';
import { backendConformance } from '@streamscore/testkit';
import { KinesisHarnessTransport, startLocalKinesis } from '@streamscore/kinesis';
import { type AnyWorkload } from '@streamscore/core';
import { workloads } from '@streamscore/workload-nexmark';
import { flinkBackend } from './backend.js';

// The bundled Flink backend runs the same conformance kit as any third-party backend, on its
// local target (real JobManager and TaskManager JVMs), fed through a kinesalite for this file.
const kinesis = await startLocalKinesis();
afterAll(async () => {
  await kinesis.stop();
});

backendConformance(flinkBackend, {
  workloads: workloads.filter((w: AnyWorkload) => w.id === 'nexmark/q0'),
  target: 'local',
  knobs: { parallelism: 1, taskmanagers: 1, 'tm-memory-mb': 1024 },
  rate: 500,
  durationS: 4,
  timeoutMs: 240_000,
  transport: (runId) => new KinesisHarnessTransport({ runId, region: 'us-east-1', endpoint: kinesis.endpoint }),
});
