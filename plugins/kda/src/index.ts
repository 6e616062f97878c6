export { createKdaBackend, kdaBackend, STARTUP_ALLOWANCE_S, type KdaBackendOptions, type KdaState } from './backend.js';
export { defaultClients, type AwsClients, type ClientFactory, type ClientOptions, type Clock } from './aws.js';
export { resolveJobJar, JOB_JAR_NAME, type JobJar } from './jar.js';
export { kdaKnobs, applicationKpus, KNOBS, RUNTIMES, type KdaKnobs, type Runtime } from './knobs.js';
export { callerPolicy, createApplicationInput, jobPropertyGroups, servicePolicy, fillSql, SERVICE_TRUST_POLICY } from './request.js';
export { METRICS, NAMESPACE, metricQueries } from './metrics.js';
export { runNames, type RunNames } from './names.js';
