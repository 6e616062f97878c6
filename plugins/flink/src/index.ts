export { flinkBackend, clusterKnobs, TARGETS } from './backend.js';
export * from './node/config.js';
export * from './rest/client.js';
export * from './local/cluster.js';
export * from './sql.js';
export { FLINK_VERSION, JOB_ENTRY_CLASS, LAUNCHER, jobJarPath } from './paths.js';
export type { FlinkTarget, ClusterKnobs, ProvisionedCluster } from './targets/target.js';
