// #region conformance
import { backendConformance } from '@streamscore/testkit';
import { workloads } from '@streamscore/workload-nexmark';
import { duckdbBackend } from './backend.js';

const wanted = ['nexmark/q0', 'nexmark/q1', 'nexmark/q5'];

backendConformance(duckdbBackend, {
  workloads: workloads.filter((w) => wanted.includes(w.id)),
  target: 'local',
  rate: 5000,
  durationS: 2,
});
// #endregion conformance
