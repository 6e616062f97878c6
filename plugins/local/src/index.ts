export { localBackend } from './backend.js';
export { QueryRunner } from './engine.js';
