// Helpers for writing a workload's streaming query (the form the local engine runs) and for
// checking it against its oracle. Not part of the contract: a workload may use them or not.
export * from './windows.js';
export * from './timer-queue.js';
export * from './sessions.js';
export * from './drive.js';
