import { backendConformance } from '@streamscore/testkit';
import { workloads } from '@streamscore/workload-nexmark';
import { localBackend } from './backend.js';

const wanted = ['nexmark/q0', 'nexmark/q1', 'nexmark/q5'];

// The bundled reference engine runs the same kit as any third-party backend.
backendConformance(localBackend, {
  workloads: workloads.filter((w) => wanted.includes(w.id)),
  target: 'local',
  rate: 5000,
  durationS: 2,
});
