export * from './types.js';
export * from './calibration.js';
export * from './model.js';
export * from './workload.js';
export * from './sweep.js';
export * from './check.js';
export * from './band.js';
export * from './day.js';
