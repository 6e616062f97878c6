/**
 * The runtime each local function instance runs: a small Node program, forked by the local Lambda
 * service with the function's environment, that loads the handler from the unzipped package
 * (`LAMBDA_TASK_ROOT`, `_HANDLER` = `file.export`), reports its init time, then runs one
 * invocation at a time, as a Lambda execution environment does. It is kept as source text and
 * written next to the service's work directory, so it runs the same from `dist/` and from the
 * TypeScript sources under a test runner.
 *
 * Protocol (IPC messages):
 *   parent → child  { type: 'invoke', id, payload, deadlineMs, arn }
 *   child  → parent { type: 'ready', initMs, logs } | { type: 'init-error', error, initMs, logs }
 *                   { type: 'done', id, ok, body, durationMs, maxMemoryMB, logs }
 */
export const RUNTIME_SOURCE = String.raw`
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { format } from 'node:util';

const t0 = performance.now();
let logs = [];
let requestId = undefined;
const MB = 1024 * 1024;
let peakRss = process.memoryUsage.rss();
const sample = () => { const r = process.memoryUsage.rss(); if (r > peakRss) peakRss = r; };
const sampler = setInterval(sample, 10);
sampler.unref();

function capture(level) {
  return (...args) => {
    const text = format(...args);
    for (const line of text.split('\n')) logs.push(new Date().toISOString() + '\t' + (requestId ?? 'undefined') + '\t' + level + '\t' + line);
  };
}
console.log = capture('INFO');
console.info = capture('INFO');
console.warn = capture('WARN');
console.error = capture('ERROR');
console.debug = capture('DEBUG');

function errorOf(e) {
  const err = e instanceof Error ? e : new Error(String(e));
  return { errorType: err.name || 'Error', errorMessage: err.message, trace: String(err.stack || '').split('\n') };
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER || 'index.handler';
  const dot = spec.lastIndexOf('.');
  const modName = spec.slice(0, dot);
  const fnName = spec.slice(dot + 1);
  let file;
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (existsSync(join(root, modName + ext))) { file = join(root, modName + ext); break; }
  }
  if (!file) {
    const e = new Error('Cannot find module \'' + modName + '\'');
    e.name = 'Runtime.ImportModuleError';
    throw e;
  }
  let mod;
  if (file.endsWith('.cjs') || file.endsWith('.js')) {
    try { mod = createRequire(file)(file); }
    catch (e) { if (e && e.code === 'ERR_REQUIRE_ESM') mod = await import(pathToFileURL(file).href); else throw e; }
  } else mod = await import(pathToFileURL(file).href);
  const fn = mod[fnName] ?? (mod.default && mod.default[fnName]);
  if (typeof fn !== 'function') {
    const e = new Error(spec + ' is undefined or not exported');
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  return fn;
}

// The service that forked this environment is gone (killed, even by SIGKILL): so is the environment.
process.on('disconnect', () => process.exit(0));

let handler;
try {
  handler = await loadHandler();
} catch (e) {
  const initMs = performance.now() - t0;
  process.send({ type: 'init-error', error: errorOf(e), initMs, logs });
  setTimeout(() => process.exit(1), 50);
}

if (handler) {
  const initMs = performance.now() - t0;
  sample();
  process.send({ type: 'ready', initMs, logs });
  logs = [];
  process.on('message', async (m) => {
    if (!m || m.type !== 'invoke') return;
    requestId = m.id;
    logs = [];
    const context = {
      awsRequestId: m.id,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: m.arn,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, m.deadlineMs - Date.now()),
    };
    const start = performance.now();
    let ok = true;
    let body;
    try {
      const event = m.payload === '' ? {} : JSON.parse(m.payload);
      const result = await handler(event, context);
      body = result === undefined ? 'null' : JSON.stringify(result);
    } catch (e) {
      ok = false;
      const err = errorOf(e);
      console.error('Invoke Error', JSON.stringify(err));
      body = JSON.stringify(err);
    }
    const durationMs = performance.now() - start;
    sample();
    const out = logs;
    logs = [];
    requestId = undefined;
    process.send({ type: 'done', id: m.id, ok, body, durationMs, maxMemoryMB: Math.ceil(peakRss / MB), logs: out });
  });
}
`;
