export * from './generator/index.js';
export { nexmarkWorkloads, nexmarkWorkload, workloads, q0, q1, q2, q3, q4, q5, q7, q8, q9, q11, q12 } from './workload.js';
export { Q5ParamsSchema, type Q5Params, q5Reference } from './queries/q5.js';
export { Q11ParamsSchema, type Q11Params, q11Reference } from './queries/q11.js';
export { q12CheckInvariants } from './queries/q12.js';
export { q0Reference } from './queries/q0.js';
export { q1Reference } from './queries/q1.js';
export { q2Reference } from './queries/q2.js';
export { q3Reference } from './queries/q3.js';
export { q4Reference } from './queries/q4.js';
export { q7Reference } from './queries/q7.js';
export { q8Reference } from './queries/q8.js';
export { q9Reference } from './queries/q9.js';
export {
  MODULE as NEXMARK_MODULE,
  DEFAULT_WATERMARK_DELAY_MS,
  PerEventParamsSchema,
  TumblingParamsSchema,
  type PerEventParams,
  type TumblingParams,
} from './queries/common.js';
