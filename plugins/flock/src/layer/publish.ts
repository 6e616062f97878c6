import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { CleanupFilter, CleanupReport, RunContext } from '@streamscore/core';
import { errorName, loadLambdaSdk } from '../lambda-client.js';
import type { DuckdbLayer } from './build.js';

/**
 * Lambda layers carry no tags, so the layer's name says whose it is: the run's function stem
 * (`ss-flock-<hash of the run id>`) and `-duckdb`. Cleanup finds leftovers by that name.
 */
export function layerNameOf(stem: string): string {
  return `${stem}-duckdb`;
}

export interface PublishedLayer {
  name: string;
  version: number;
  /** LayerVersionArn: what CreateFunction's Layers takes. */
  arn: string;
}

/** Publishes the layer for the run (ledger first), compatible with the function's runtime and architecture only. */
export async function publishDuckdbLayer(client: LambdaClient, layer: DuckdbLayer, o: { stem: string; runtime: string; region: string; ctx: RunContext }): Promise<PublishedLayer> {
  const sdk = await loadLambdaSdk();
  const name = layerNameOf(o.stem);
  o.ctx.ledger.intend({ id: name, backend: 'flock', kind: 'lambda-layer', size: `${layer.zip.length}B/${layer.arch}`, count: 1, region: o.region });
  try {
    const r = await client.send(
      new sdk.PublishLayerVersionCommand({
        LayerName: name,
        Description: `streamscore flock: DuckDB ${layer.packages[0]!.version} for ${layer.arch}, run ${o.ctx.runId}`.slice(0, 256),
        Content: { ZipFile: layer.zip },
        CompatibleRuntimes: [o.runtime as 'nodejs20.x'],
        CompatibleArchitectures: [layer.arch],
        LicenseInfo: 'MIT',
      }),
    );
    if (!r.LayerVersionArn || r.Version === undefined) throw new Error(`PublishLayerVersion ${name} answered no LayerVersionArn`);
    o.ctx.ledger.created(name, { cloudId: r.LayerVersionArn });
    return { name, version: r.Version, arn: r.LayerVersionArn };
  } catch (e) {
    o.ctx.ledger.failed(name);
    throw e;
  }
}

/** Deletes one layer version; gone already is fine (a repeated teardown). */
export async function deleteLayerVersion(client: LambdaClient, name: string, version: number): Promise<void> {
  const sdk = await loadLambdaSdk();
  try {
    await client.send(new sdk.DeleteLayerVersionCommand({ LayerName: name, VersionNumber: version }));
  } catch (e) {
    if (errorName(e) !== 'ResourceNotFoundException') throw e;
  }
}

/**
 * Finds layer versions streamscore published (named `<prefix><hash>-duckdb`) and, unless a dry
 * run, deletes them. With a run id, only that run's (its stem); with an age, only older versions.
 */
export async function cleanupLayers(client: LambdaClient, filter: CleanupFilter, o: { prefix: string; stemOf: (runId: string) => string }, report: CleanupReport): Promise<void> {
  const sdk = await loadLambdaSdk();
  const only = filter.runId ? layerNameOf(o.stemOf(filter.runId)) : undefined;
  const cutoff = filter.olderThanMinutes !== undefined ? Date.now() - filter.olderThanMinutes * 60_000 : undefined;
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new sdk.ListLayersCommand({ ...(marker ? { Marker: marker } : {}) }));
    for (const l of page.Layers ?? []) {
      const n = l.LayerName;
      if (n && n.startsWith(o.prefix) && n.endsWith('-duckdb') && (!only || n === only)) names.push(n);
    }
    marker = page.NextMarker;
  } while (marker);
  for (const name of names) {
    let vmarker: string | undefined;
    do {
      const page = await client.send(new sdk.ListLayerVersionsCommand({ LayerName: name, ...(vmarker ? { Marker: vmarker } : {}) }));
      for (const v of page.LayerVersions ?? []) {
        if (v.Version === undefined) continue;
        if (cutoff !== undefined && v.CreatedDate && Date.parse(v.CreatedDate) > cutoff) continue;
        const id = `${name}:${v.Version}`;
        report.found.push({ kind: 'lambda-layer', id });
        if (filter.dryRun) continue;
        try {
          await deleteLayerVersion(client, name, v.Version);
          report.deleted.push({ kind: 'lambda-layer', id });
        } catch (e) {
          report.failed.push({ kind: 'lambda-layer', id, reason: `${errorName(e)}: ${(e as Error).message}` });
        }
      }
      vmarker = page.NextMarker;
    } while (vmarker);
  }
}
