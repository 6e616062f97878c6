import type { LambdaClient } from '@aws-sdk/client-lambda';
import { errorName, loadLambdaSdk } from './lambda-client.js';

/**
 * The functions flock runs left in a Lambda service (AWS, or a local service): what
 * `streamscore flock functions list|delete` shows and removes. A function is flock's when its
 * name starts with `ss-flock-` and it carries the tag `streamscore/tool=streamscore`.
 */
export const FUNCTION_NAME_PREFIX = 'ss-flock-';
const TAG_TOOL = 'streamscore/tool';
const TAG_RUN_ID = 'streamscore/run-id';
const TAG_BACKEND = 'streamscore/backend';

/** A run id as it is stored in a tag (characters tags refuse become `-`). */
export function tagSafe(v: string): string {
  return v.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '-').slice(0, 256);
}

export interface FlockFunctionInfo {
  name: string;
  arn: string;
  runId?: string;
  memoryMB?: number;
  architecture?: string;
  runtime?: string;
  state?: string;
  lastModified?: string;
  /** Reserved concurrency (group members: 1). */
  reservedConcurrency?: number;
}

/** Every flock function (of one run, with `runId`), sorted by name. */
export async function listFlockFunctions(client: LambdaClient, o: { runId?: string } = {}): Promise<FlockFunctionInfo[]> {
  const sdk = await loadLambdaSdk();
  const out: FlockFunctionInfo[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new sdk.ListFunctionsCommand({ ...(marker ? { Marker: marker } : {}), MaxItems: 50 }));
    for (const f of page.Functions ?? []) {
      if (!f.FunctionName?.startsWith(FUNCTION_NAME_PREFIX)) continue;
      let got;
      try {
        got = await client.send(new sdk.GetFunctionCommand({ FunctionName: f.FunctionName }));
      } catch (e) {
        if (errorName(e) === 'ResourceNotFoundException') continue; // deleted meanwhile
        throw e;
      }
      const tags = got.Tags ?? {};
      if (tags[TAG_TOOL] !== 'streamscore' || (tags[TAG_BACKEND] !== undefined && tags[TAG_BACKEND] !== 'flock')) continue;
      const runId = tags[TAG_RUN_ID];
      if (o.runId !== undefined && runId !== tagSafe(o.runId)) continue;
      const c = got.Configuration ?? f;
      const reserved = got.Concurrency?.ReservedConcurrentExecutions;
      out.push({
        name: f.FunctionName,
        arn: f.FunctionArn ?? c.FunctionArn ?? '',
        ...(runId ? { runId } : {}),
        ...(c.MemorySize !== undefined ? { memoryMB: c.MemorySize } : {}),
        ...(c.Architectures?.[0] ? { architecture: c.Architectures[0] } : {}),
        ...(c.Runtime ? { runtime: c.Runtime } : {}),
        ...(c.State ? { state: c.State } : {}),
        ...(c.LastModified ? { lastModified: c.LastModified } : {}),
        ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
      });
    }
    marker = page.NextMarker;
  } while (marker);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface DeleteOutcome {
  deleted: string[];
  failed: { name: string; reason: string }[];
}

/** Deletes the flock functions of one run (`runId`) or all of them (`all`). */
export async function deleteFlockFunctions(client: LambdaClient, o: { runId?: string; all?: boolean }): Promise<DeleteOutcome & { found: FlockFunctionInfo[] }> {
  if (!o.all && o.runId === undefined) throw new Error('deleteFlockFunctions: give runId or all');
  const sdk = await loadLambdaSdk();
  const found = await listFlockFunctions(client, o.all ? {} : { runId: o.runId! });
  const outcome: DeleteOutcome = { deleted: [], failed: [] };
  for (const f of found) {
    try {
      await client.send(new sdk.DeleteFunctionCommand({ FunctionName: f.name }));
      outcome.deleted.push(f.name);
    } catch (e) {
      if (errorName(e) === 'ResourceNotFoundException') outcome.deleted.push(f.name);
      else outcome.failed.push({ name: f.name, reason: `${errorName(e)}: ${(e as Error).message}` });
    }
  }
  return { found, ...outcome };
}
