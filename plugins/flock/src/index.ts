export {
  flockBackend,
  createFlockBackend,
  checkAccountConcurrency,
  roleNotYetAssumable,
  knobsOf,
  runStem,
  projectedCost,
  FUNCTION_PREFIX,
  TAG_RUN_ID,
  TAG_TOOL,
  TAG_BACKEND,
  MIN_UNRESERVED_CONCURRENCY,
  type FlockBackendOptions,
} from './backend.js';
export { LocalLambdaService, startLocalLambda, reportLine, SYNC_PAYLOAD_LIMIT, ASYNC_PAYLOAD_LIMIT, type LocalLambdaOptions, type InvocationReport } from './lambda-local/server.js';
export { writeZip, readZip } from './lambda-local/zip.js';
export { buildTemplate } from './function/bundle.js';
export { encodeContext, decodeContext, type FlockContext } from './function/context.js';
export { fragmentWindow, learnSchemas, encodeTable, decodeTable, encodeStatics, type FragmentPayload } from './function/payload.js';
export { Arena } from './function/arena.js';
export { HashRing } from './function/hashring.js';
export { planQuery, windowFromParams, loadStatics, FLOCK_WORKLOADS, FLOCK_REFUSALS, type WindowSpec, type FlockHints } from './query.js';
export { FlockDriver } from './driver/driver.js';
export { Windower } from './driver/windows.js';
export { parseReportLine, reportFromLogResult, lambdaClient } from './lambda-client.js';
export { readReportLines, collectAsyncReports } from './logs.js';
export { callerPolicy } from './iam.js';
export { listFlockFunctions, deleteFlockFunctions, type FlockFunctionInfo } from './functions.js';
