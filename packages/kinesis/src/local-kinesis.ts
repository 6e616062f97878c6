import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';

export interface LocalKinesisOptions {
  /** 0 (default) picks a free ephemeral port. */
  port?: number;
  /** Interface to bind; loopback only by default. */
  host?: string;
  /** Total shards kinesalite allows across streams. Default 200. */
  shardLimit?: number;
  /** Simulated CREATING/DELETING/UPDATING durations. Default 0. */
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  /**
   * Run kinesalite inside this process instead of a child process of its own (the default). In
   * process it competes with the harness for one event loop: for comparing the two, not for runs.
   */
  inProcess?: boolean;
  /** Bound on the child's start. Default 30 s. */
  startTimeoutMs?: number;
}

export interface LocalKinesis {
  /** `http://127.0.0.1:<port>`, for `kinesisClient({ endpoint })` and KinesisBinding.endpoint. */
  endpoint: string;
  port: number;
  /** The child process kinesalite runs in (absent in process): its CPU is the transport's. */
  pid?: number;
  /** Closes the server (and every open connection) and its in-memory store. */
  stop(): Promise<void>;
}

type KinesaliteFactory = (options: Record<string, unknown>) => Server;

/**
 * Starts kinesalite (an in-memory Kinesis) bound to 127.0.0.1 — its CLI binds every interface —
 * in a child process of its own (resources/kinesalite-child.mjs), so the instrument does not
 * share its event loop with the transport's stand-in. It speaks the real wire protocol but does
 * not enforce shard throughput limits, ON_DEMAND mode or enhanced fan-out. kinesalite is a root
 * devDependency: for tests and local targets only. The child ends with this process.
 */
export async function startLocalKinesis(o: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  return o.inProcess ? startInProcess(o) : startChild(o);
}

const CHILD = fileURLToPath(new URL('../resources/kinesalite-child.mjs', import.meta.url));

async function startChild(o: LocalKinesisOptions): Promise<LocalKinesis> {
  const host = o.host ?? '127.0.0.1';
  const { port: _p, host: _h, inProcess: _i, startTimeoutMs, ...rest } = o;
  // stdin stays a pipe from us: when this process ends, the child sees it close and exits.
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...rest, host, port: o.port ?? 0 })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`did not listen within ${startTimeoutMs ?? 30_000} ms`), startTimeoutMs ?? 30_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`local Kinesis (kinesalite, pid ${child.pid ?? '?'}) ${why}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    child.once('error', (e) => fail(`could not start: ${e.message}`));
    void exited.then((code) => fail(`exited with code ${code ?? 'null'} while starting`));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        const parsed = JSON.parse(line) as { port?: unknown };
        if (typeof parsed.port === 'number') resolve(parsed.port);
        else fail(`said ${line}`);
      }
    });
  });
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${urlHost}:${port}`,
    port,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin.end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      })();
      return stopped;
    },
  };
}

async function startInProcess(o: LocalKinesisOptions): Promise<LocalKinesis> {
  const require = createRequire(import.meta.url);
  let factory: KinesaliteFactory;
  try {
    factory = require('kinesalite') as KinesaliteFactory;
  } catch (e) {
    throw new Error(`kinesalite is not installed (it is a devDependency of the streamscore repository): ${(e as Error).message}`);
  }
  const server = factory({
    createStreamMs: o.createStreamMs ?? 0,
    deleteStreamMs: o.deleteStreamMs ?? 0,
    updateStreamMs: o.updateStreamMs ?? 0,
    shardLimit: o.shardLimit ?? 200,
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${urlHost}:${port}`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        // Keep-alive clients would otherwise hold close() open.
        server.close((e?: Error) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
