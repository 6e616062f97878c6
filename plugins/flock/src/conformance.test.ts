import { afterAll } from 'vitest';
import { backendConformance } from '@streamscore/testkit';
import { KinesisHarnessTransport, startLocalKinesis } from '@streamscore/kinesis';
import { type AnyWorkload } from '@streamscore/core';
import { workloads } from '@streamscore/workload-nexmark';
import { flockBackend } from './backend.js';

// The bundled Flock backend runs the same conformance kit as any third-party backend, on its
// local target (the local Lambda service), fed through a kinesalite started for this file.
const kinesis = await startLocalKinesis();
afterAll(async () => {
  await kinesis.stop();
});

backendConformance(flockBackend, {
  workloads: workloads.filter((w: AnyWorkload) => w.id === 'nexmark/q0'),
  target: 'local',
  rate: 500,
  durationS: 3,
  transport: (runId) => new KinesisHarnessTransport({ runId, region: 'us-east-1', endpoint: kinesis.endpoint }),
});
