export * from './windows.js';
export * from './timer-queue.js';
export * from './sessions.js';
export * from './sql-template.js';
export * from './drive.js';
