import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

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
}

export interface LocalKinesis {
  /** `http://127.0.0.1:<port>`, for `kinesisClient({ endpoint })` and KinesisBinding.endpoint. */
  endpoint: string;
  port: number;
  /** Closes the server (and every open connection) and its in-memory store. */
  stop(): Promise<void>;
}

type KinesaliteFactory = (options: Record<string, unknown>) => Server;

/**
 * Starts kinesalite (an in-memory Kinesis) inside this process, bound to 127.0.0.1 — its CLI
 * binds every interface. It speaks the real wire protocol but does not enforce shard
 * throughput limits, ON_DEMAND mode or enhanced fan-out. kinesalite is a root devDependency:
 * for tests and local targets only.
 */
export async function startLocalKinesis(o: LocalKinesisOptions = {}): Promise<LocalKinesis> {
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
