import { homedir } from 'node:os';
import { join } from 'node:path';
import { Ledger, type CleanupFilter, type CleanupReport, type RunContext } from '@streamscore/core';
import { explainAwsError, loadSdk, type AwsClients, type Clock } from './aws.js';
import { deleteApplication, stopApplication, type Timing } from './lifecycle.js';
import { APP_PREFIX, BUCKET_PREFIX, LOG_GROUP_PREFIX, ROLE_PATH, ROLE_PREFIX, TAG_RUN_ID, TAG_TOOL, TOOL, tagValue } from './names.js';
import { bucketTags, deleteBucket, deleteLogGroup, deleteObject, deleteRole, objectExists } from './resources.js';

export interface CleanupDeps {
  clientsFor(region: string): Promise<AwsClients>;
  clock: Clock;
  timing: Timing;
  /** The local ledger journal (default ~/.streamscore/ledger.jsonl): jar objects left in a user's bucket. */
  journalPath?: string;
  /** Regions to search (default: AWS_REGION / AWS_DEFAULT_REGION / us-east-1, plus every region in the journal). */
  regions?: string[];
}

interface Found {
  kind: string;
  id: string;
  runId?: string;
  createdMs?: number;
  remove: () => Promise<void>;
}

/**
 * Finds what kda runs left behind, by tag (tool = streamscore, and the run id when asked) and
 * by the ledger journal, and deletes it: applications (stopped with Force, then deleted), the
 * service roles under /streamscore/, the log groups, the buckets runs created (emptied first)
 * and jar objects in buckets users named.
 */
export async function cleanupKda(filter: CleanupFilter, ctx: RunContext, deps: CleanupDeps): Promise<CleanupReport> {
  const report: CleanupReport = { found: [], deleted: [], failed: [] };
  const journal = deps.journalPath ?? join(homedir(), '.streamscore', 'ledger.jsonl');
  const entries = Ledger.readJournal(journal).filter((e) => e.backend === 'kda' && (e.state === 'intended' || e.state === 'created'));
  const regions = new Set(deps.regions ?? [process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1']);
  if (!deps.regions) for (const e of entries) if (e.region) regions.add(e.region);
  const wantRun = filter.runId === undefined ? undefined : tagValue(filter.runId);
  const now = deps.clock.now();
  const keep = (f: Pick<Found, 'runId' | 'createdMs'>, tool: boolean) => {
    if (!tool) return false;
    if (wantRun !== undefined && f.runId !== wantRun) return false;
    if (filter.olderThanMinutes !== undefined && f.createdMs !== undefined && now - f.createdMs < filter.olderThanMinutes * 60_000) return false;
    return true;
  };

  for (const region of regions) {
    let c: AwsClients;
    try {
      c = await deps.clientsFor(region);
    } catch (e) {
      report.failed.push({ kind: 'region', id: region, reason: (e as Error).message });
      continue;
    }
    const found: Found[] = [];
    const list = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        report.failed.push({ kind: what, id: region, reason: `listing: ${explainAwsError(e, `listing ${what} in ${region}`).message}` });
      }
    };
    const m = await loadSdk();

    await list('kda-application', async () => {
      let token: string | undefined;
      do {
        const page = await c.kda.send(new m.kda.ListApplicationsCommand({ ...(token ? { NextToken: token } : {}) }));
        for (const a of page.ApplicationSummaries ?? []) {
          if (!a.ApplicationName?.startsWith(APP_PREFIX) || !a.ApplicationARN) continue;
          const tags = (await c.kda.send(new m.kda.ListTagsForResourceCommand({ ResourceARN: a.ApplicationARN }))).Tags ?? [];
          const tool = tags.some((t) => t.Key === TAG_TOOL && t.Value === TOOL);
          const runId = tags.find((t) => t.Key === TAG_RUN_ID)?.Value;
          let createdMs: number | undefined;
          if (filter.olderThanMinutes !== undefined) {
            const d = await c.kda.send(new m.kda.DescribeApplicationCommand({ ApplicationName: a.ApplicationName }));
            createdMs = d.ApplicationDetail?.CreateTimestamp?.getTime();
          }
          const name = a.ApplicationName;
          const f = { ...(runId ? { runId } : {}), ...(createdMs !== undefined ? { createdMs } : {}) };
          if (keep(f, tool)) {
            found.push({
              kind: 'kda-application',
              id: a.ApplicationARN,
              ...f,
              remove: async () => {
                await stopApplication(c.kda, name, deps.timing);
                await deleteApplication(c.kda, name, deps.timing);
              },
            });
          }
        }
        token = page.NextToken;
      } while (token);
    });

    await list('cloudwatch-log-group', async () => {
      let token: string | undefined;
      do {
        const page = await c.logs.send(new m.logs.DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_PREFIX, ...(token ? { nextToken: token } : {}) }));
        for (const g of page.logGroups ?? []) {
          if (!g.logGroupName) continue;
          const arn = g.arn?.replace(/:\*$/, '');
          const tags = arn
            ? ((await c.logs.send(new m.logs.ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? {})
            : ((await c.logs.send(new m.logs.ListTagsLogGroupCommand({ logGroupName: g.logGroupName }))).tags ?? {});
          const runId = tags[TAG_RUN_ID];
          const f = { ...(runId ? { runId } : {}), ...(g.creationTime !== undefined ? { createdMs: g.creationTime } : {}) };
          const name = g.logGroupName;
          if (keep(f, tags[TAG_TOOL] === TOOL)) found.push({ kind: 'cloudwatch-log-group', id: name, ...f, remove: async () => void (await deleteLogGroup(c, name)) });
        }
        token = page.nextToken;
      } while (token);
    });

    // IAM is global: list roles once, from the first region.
    if (region === [...regions][0]) {
      await list('iam-role', async () => {
        let marker: string | undefined;
        do {
          const page = await c.iam.send(new m.iam.ListRolesCommand({ PathPrefix: ROLE_PATH, ...(marker ? { Marker: marker } : {}) }));
          for (const r of page.Roles ?? []) {
            if (!r.RoleName?.startsWith(ROLE_PREFIX)) continue;
            const tags = (await c.iam.send(new m.iam.ListRoleTagsCommand({ RoleName: r.RoleName }))).Tags ?? [];
            const runId = tags.find((t) => t.Key === TAG_RUN_ID)?.Value;
            const f = { ...(runId ? { runId } : {}), ...(r.CreateDate ? { createdMs: r.CreateDate.getTime() } : {}) };
            const name = r.RoleName;
            if (keep(f, tags.some((t) => t.Key === TAG_TOOL && t.Value === TOOL))) found.push({ kind: 'iam-role', id: name, ...f, remove: async () => void (await deleteRole(c, name)) });
          }
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
      });

      // S3 lists every bucket of the account from any region.
      await list('s3-bucket', async () => {
        const page = await c.s3.send(new m.s3.ListBucketsCommand({}));
        for (const b of page.Buckets ?? []) {
          if (!b.Name?.startsWith(BUCKET_PREFIX)) continue;
          const tags = await bucketTags(c, b.Name);
          const runId = tags[TAG_RUN_ID];
          const f = { ...(runId ? { runId } : {}), ...(b.CreationDate ? { createdMs: b.CreationDate.getTime() } : {}) };
          const name = b.Name;
          if (keep(f, tags[TAG_TOOL] === TOOL)) found.push({ kind: 's3-bucket', id: name, ...f, remove: async () => void (await deleteBucket(c, name)) });
        }
      });

      // Jar objects in buckets users named: only the ledger knows them.
      await list('s3-object', async () => {
      for (const e of entries) {
        if (e.kind !== 's3-object') continue;
        const bucket = e.attributes?.['bucket'];
        const key = e.attributes?.['key'];
        if (typeof bucket !== 'string' || typeof key !== 'string' || bucket.startsWith(BUCKET_PREFIX)) continue;
        const f = { runId: tagValue(e.runId), createdMs: e.start };
        // The journal is not told when an object goes (cleanup writes its own ledger): ask S3.
        if (keep(f, true) && (await objectExists(c, bucket, key))) found.push({ kind: 's3-object', id: `s3://${bucket}/${key}`, ...f, remove: () => deleteObject(c, bucket, key) });
      }
      });
    }

    // Applications first (they use the role, the bucket and the log group), then the rest.
    for (const f of found) {
      report.found.push({ kind: f.kind, id: f.id, ...(f.runId ? { runId: f.runId } : {}) });
      if (filter.dryRun) continue;
      try {
        await f.remove();
        report.deleted.push({ kind: f.kind, id: f.id });
        ctx.log(`kda cleanup: deleted ${f.kind} ${f.id}`);
      } catch (e) {
        report.failed.push({ kind: f.kind, id: f.id, reason: explainAwsError(e, `deleting ${f.kind} ${f.id}`).message });
      }
    }
  }
  return report;
}
