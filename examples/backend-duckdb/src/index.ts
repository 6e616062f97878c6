export { duckdbBackend } from './backend.js';
export { MicroBatchRunner } from './microbatch.js';
