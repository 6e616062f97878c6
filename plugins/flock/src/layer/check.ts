import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TemplatePackage } from '../function/bundle.js';
import { CONTEXT_ENV, encodeContext, type FlockContext } from '../function/context.js';
import { fragmentWindow, SYNC_MAX_FRAGMENT_BYTES, type FragmentResponse } from '../function/payload.js';
import { LocalLambdaService } from '../lambda-local/server.js';
import { readZip } from '../lambda-local/zip.js';
import { lambdaClient, loadLambdaSdk } from '../lambda-client.js';
import type { DuckdbLayer, LayerArch } from './build.js';

export interface LayerCheck {
  /** True when the bundle ran a DuckDB query with only the layer to load DuckDB from. */
  loaded: boolean;
  /** Why it was not loaded here (another architecture than this machine's). */
  reason?: string;
  initMs?: number;
}

/** Node's name for a Lambda architecture. */
export function nodeArchOf(arch: LayerArch): string {
  return arch === 'arm64' ? 'arm64' : 'x64';
}

/**
 * Loads the function bundle with the layer as Lambda would, before anything is uploaded: the
 * layer's zip is unpacked into a directory standing for /opt, and the local Lambda service gives
 * the function its nodejs/node_modules (where Lambda's NODE_PATH points) and nothing else — the
 * service's work directory is outside the repository, so DuckDB cannot come from the
 * repository's node_modules. One invocation runs a DuckDB query over a two-row fragment; the
 * answer must be that query's. A layer for another architecture than this machine's cannot be
 * loaded here: its native files were already checked to be ELF for its architecture.
 */
export async function checkLayerLocally(template: TemplatePackage, layer: DuckdbLayer, o: { hostArch?: string } = {}): Promise<LayerCheck> {
  if ((o.hostArch ?? process.arch) !== nodeArchOf(layer.arch) || process.platform !== 'linux') {
    return { loaded: false, reason: `this machine is ${process.platform}-${o.hostArch ?? process.arch}; the ${layer.arch} layer's native files were checked to be ELF for ${layer.arch}, not loaded` };
  }
  const root = mkdtempSync(join(tmpdir(), 'ss-layer-'));
  const opt = join(root, 'opt');
  for (const e of readZip(layer.zip)) {
    const target = join(opt, e.name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, e.data, { mode: e.mode ?? 0o644 });
  }
  const service = await new LocalLambdaService({ layerNodeModules: join(opt, 'nodejs', 'node_modules'), workDir: join(root, 'lambda'), maxProcesses: 2, enforceMemory: false }).start();
  const client = await lambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
  try {
    const sdk = await loadLambdaSdk();
    const context: FlockContext = { v: 1, runId: 'layer-check', query: 'layer-check', stage: 'per-event', sql: 'SELECT count(*) AS n, sum(price) AS total FROM events', next: { kind: 'return' } };
    await client.send(
      new sdk.CreateFunctionCommand({
        FunctionName: 'layer-check',
        Role: 'arn:aws:iam::000000000000:role/layer-check',
        Runtime: template.runtime as 'nodejs20.x',
        Handler: template.handler,
        Architectures: [layer.arch],
        MemorySize: 1024,
        Timeout: 60,
        Code: { ZipFile: template.zip },
        Environment: { Variables: { [CONTEXT_ENV]: encodeContext(context) } },
      }),
    );
    const [fragment] = fragmentWindow({ id: 'check', start: 0, end: 1 }, [{ price: 2 }, { price: 40 }], { maxBytes: SYNC_MAX_FRAGMENT_BYTES, schemas: { events: { price: 'DOUBLE' } } });
    const r = await client.send(new sdk.InvokeCommand({ FunctionName: 'layer-check', Payload: JSON.stringify(fragment), LogType: 'Tail' }));
    const body = JSON.parse(Buffer.from(r.Payload ?? new Uint8Array()).toString('utf8')) as FragmentResponse & { errorMessage?: string };
    const log = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
    if (r.FunctionError) throw new Error(`the function bundle did not run with the DuckDB layer: ${body.errorMessage ?? JSON.stringify(body)}\n${log}`);
    const row = body.output?.[0] as { n?: unknown; total?: unknown } | undefined;
    if (Number(row?.n) !== 2 || Number(row?.total) !== 42) throw new Error(`the DuckDB layer check answered ${JSON.stringify(body.output)}, not n=2, total=42`);
    const init = /Init Duration: ([\d.]+) ms/.exec(log);
    return { loaded: true, ...(init ? { initMs: Number(init[1]) } : {}) };
  } finally {
    client.destroy();
    await service.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
