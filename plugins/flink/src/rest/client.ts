import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CONSUMER_METRICS } from '@streamscore/kinesis';

/**
 * A small client of Flink's REST API (the same on the local target, EC2 clusters and any
 * existing cluster): health, jar upload and run, job status, metrics, cancel. `fetch` is
 * injectable so tests can stub it.
 */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class FlinkRestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
    this.name = 'FlinkRestError';
  }
}

export interface JobStatus {
  jid: string;
  name: string;
  /** CREATED, RUNNING, FAILING, FAILED, CANCELLING, CANCELED, FINISHED, RESTARTING, … */
  state: string;
  vertices: { id: string; name: string; parallelism: number; status: string }[];
}

/** The gauges the job jar's Kinesis source publishes (flink-job FramedKinesisSource). */
export const SOURCE_GAUGES = {
  records: 'streamscoreRecordsRead',
  events: 'streamscoreEventsRead',
  millisBehind: 'streamscoreMillisBehindLatest',
} as const;

export interface AggregatedMetric {
  id: string;
  min?: number;
  max?: number;
  avg?: number;
  sum?: number;
}

export interface RunJarRequest {
  entryClass?: string;
  programArgsList?: string[];
  parallelism?: number;
  jobId?: string;
  /** Restore from this checkpoint or savepoint (a `chk-N` directory). */
  savepointPath?: string;
}

export const TERMINAL_JOB_STATES = new Set(['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED']);

export class FlinkRestClient {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, o: { fetch?: FetchLike; timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetchImpl = o.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  private async request<T>(method: string, path: string, body?: unknown, form?: FormData): Promise<T> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(this.timeoutMs) };
    if (form) init.body = form;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    let res: Response;
    try {
      res = await this.fetchImpl(this.baseUrl + path, init);
    } catch (e) {
      throw new FlinkRestError(`${method} ${this.baseUrl}${path}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text;
      try {
        const parsed = JSON.parse(text) as { errors?: unknown[] };
        if (Array.isArray(parsed.errors)) detail = parsed.errors.map(String).join('; ');
      } catch {
        // not JSON
      }
      throw new FlinkRestError(`${method} ${path} answered ${res.status}: ${detail.slice(0, 2000)}`, res.status, text);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new FlinkRestError(`${method} ${path} answered with something that is not JSON: ${text.slice(0, 200)}`, res.status, text);
    }
  }

  /** The cluster overview (`GET /overview`): TaskManagers, slots, jobs. */
  overview(): Promise<{ taskmanagers: number; 'slots-total': number; 'slots-available': number; 'flink-version': string }> {
    return this.request('GET', '/overview');
  }

  /**
   * Polls `/overview` until the REST endpoint answers and at least `taskManagers` TaskManagers
   * have registered; bounded by `timeoutMs`.
   */
  async waitUntilReady(o: { taskManagers: number; timeoutMs: number; intervalMs?: number; signal?: AbortSignal; isAlive?: () => string | undefined }): Promise<number> {
    const start = Date.now();
    let last = 'no answer yet';
    for (;;) {
      if (o.signal?.aborted) throw new FlinkRestError('interrupted while waiting for the Flink REST endpoint');
      const dead = o.isAlive?.();
      if (dead) throw new FlinkRestError(`the Flink cluster stopped while starting: ${dead}`);
      try {
        const ov = await this.overview();
        if (ov.taskmanagers >= o.taskManagers) return Date.now() - start;
        last = `${ov.taskmanagers} of ${o.taskManagers} TaskManagers registered`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() - start > o.timeoutMs) {
        throw new FlinkRestError(`the Flink REST endpoint ${this.baseUrl} was not ready after ${Math.round(o.timeoutMs / 1000)} s (${last})`);
      }
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
    }
  }

  /** `POST /jars/upload` (multipart field `jarfile`); returns the jar id used by runJar. */
  async uploadJar(path: string): Promise<string> {
    const bytes = await readFile(path);
    const form = new FormData();
    form.append('jarfile', new Blob([bytes], { type: 'application/x-java-archive' }), basename(path));
    const res = await this.request<{ filename: string; status: string }>('POST', '/jars/upload', undefined, form);
    if (!res?.filename) throw new FlinkRestError('POST /jars/upload answered without a filename');
    return basename(res.filename);
  }

  /** `POST /jars/{id}/run`; returns the job id. */
  async runJar(jarId: string, req: RunJarRequest): Promise<string> {
    const res = await this.request<{ jobid: string }>('POST', `/jars/${encodeURIComponent(jarId)}/run`, req);
    if (!res?.jobid) throw new FlinkRestError(`POST /jars/${jarId}/run answered without a job id`);
    return res.jobid;
  }

  async deleteJar(jarId: string): Promise<void> {
    await this.request('DELETE', `/jars/${encodeURIComponent(jarId)}`);
  }

  async listJobs(): Promise<{ id: string; status: string }[]> {
    const res = await this.request<{ jobs: { id: string; status: string }[] }>('GET', '/jobs');
    return res.jobs ?? [];
  }

  async job(jobId: string): Promise<JobStatus> {
    return this.request('GET', `/jobs/${jobId}`);
  }

  /** The root cause of a failed job, from `/jobs/{id}/exceptions`. */
  async jobException(jobId: string): Promise<string | undefined> {
    try {
      const r = await this.request<{ 'root-exception'?: string; exceptionHistory?: { entries?: { stacktrace?: string }[] } }>(
        'GET',
        `/jobs/${jobId}/exceptions`,
      );
      return r['root-exception'] ?? r.exceptionHistory?.entries?.[0]?.stacktrace;
    } catch {
      return undefined;
    }
  }

  /** Polls the job until it is RUNNING with every vertex running (or until it ends). */
  async waitForJobRunning(jobId: string, o: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal }): Promise<JobStatus> {
    const start = Date.now();
    for (;;) {
      if (o.signal?.aborted) throw new FlinkRestError('interrupted while waiting for the job to run');
      const j = await this.job(jobId);
      if (j.state === 'RUNNING' && j.vertices.every((v) => v.status === 'RUNNING')) return j;
      if (TERMINAL_JOB_STATES.has(j.state) || j.state === 'FAILING') {
        const why = await this.jobException(jobId);
        throw new FlinkRestError(`job ${jobId} is ${j.state}${why ? `: ${why.split('\n').slice(0, 6).join('\n')}` : ''}`);
      }
      if (Date.now() - start > o.timeoutMs) {
        throw new FlinkRestError(`job ${jobId} was not running after ${Math.round(o.timeoutMs / 1000)} s (state ${j.state})`);
      }
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
    }
  }

  /** `PATCH /jobs/{id}?mode=cancel`; a job already gone is not an error. */
  async cancelJob(jobId: string): Promise<void> {
    try {
      await this.request('PATCH', `/jobs/${jobId}?mode=cancel`);
    } catch (e) {
      if (e instanceof FlinkRestError && e.status === 404) return;
      throw e;
    }
  }

  /** Aggregated subtask metrics of one vertex. */
  vertexMetrics(jobId: string, vertexId: string, names: string[]): Promise<AggregatedMetric[]> {
    return this.request('GET', `/jobs/${jobId}/vertices/${vertexId}/subtasks/metrics?get=${names.map(encodeURIComponent).join(',')}`);
  }

  async taskManagers(): Promise<{ id: string }[]> {
    const r = await this.request<{ taskmanagers: { id: string }[] }>('GET', '/taskmanagers');
    return r.taskmanagers ?? [];
  }

  taskManagerMetrics(tmId: string, names: string[]): Promise<{ id: string; value: string }[]> {
    return this.request('GET', `/taskmanagers/${encodeURIComponent(tmId)}/metrics?get=${names.map(encodeURIComponent).join(',')}`);
  }

  /**
   * One sample of what the Result records beside the latency histograms: records in/out per
   * second (sources' output, sinks' input), busy and back-pressured time (worst vertex, ms per
   * second), TaskManager CPU load (mean over TaskManagers, 0..1).
   */
  async sampleJobMetrics(jobId: string): Promise<Record<string, number>> {
    const job = await this.job(jobId);
    const out: Record<string, number> = {};
    if (job.vertices.length === 0) return out;
    const names = ['numRecordsInPerSecond', 'numRecordsOutPerSecond', 'busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond'];
    const perVertex = await Promise.all(job.vertices.map((v) => this.vertexMetrics(jobId, v.id, names).catch(() => [] as AggregatedMetric[])));
    const get = (ms: AggregatedMetric[], id: string) => ms.find((m) => m.id === id);
    const first = perVertex[0] ?? [];
    const last = perVertex[perVertex.length - 1] ?? [];
    const inRate = get(first, 'numRecordsOutPerSecond')?.sum;
    const outRate = get(last, 'numRecordsInPerSecond')?.sum;
    if (inRate !== undefined) out['recordsInPerSecond'] = inRate;
    if (outRate !== undefined) out['recordsOutPerSecond'] = outRate;
    let busy = -1;
    let back = -1;
    for (const ms of perVertex) {
      busy = Math.max(busy, get(ms, 'busyTimeMsPerSecond')?.max ?? -1);
      back = Math.max(back, get(ms, 'backPressuredTimeMsPerSecond')?.max ?? -1);
    }
    if (busy >= 0) out['busyTimeMsPerSecond'] = busy;
    if (back >= 0) out['backPressuredTimeMsPerSecond'] = back;
    const tms = await this.taskManagers().catch(() => []);
    const loads: number[] = [];
    for (const tm of tms) {
      const m = await this.taskManagerMetrics(tm.id, ['Status.JVM.CPU.Load']).catch(() => []);
      const v = Number(m.find((x) => x.id === 'Status.JVM.CPU.Load')?.value);
      if (Number.isFinite(v)) loads.push(v);
    }
    if (loads.length > 0) out['taskManagerCpuLoad'] = loads.reduce((a, b) => a + b, 0) / loads.length;
    out['taskManagers'] = tms.length;
    Object.assign(out, await this.sourcePosition(jobId, job.vertices));
    return out;
  }

  /**
   * How far the job has read its Kinesis input, from the gauges the job jar's source publishes
   * (flink-job FramedKinesisSource: records and events read since the stream's start, summed over
   * subtasks; MillisBehindLatest), as the Kinesis transport's consumer metrics. A job whose
   * sources all read the one input stream is as far as its slowest source. Empty when the job
   * publishes no such gauge (another jar).
   */
  async sourcePosition(jobId: string, vertices: JobStatus['vertices']): Promise<Record<string, number>> {
    const perOperator = new Map<string, { records?: number; events?: number }>();
    let behind: number | undefined;
    for (const v of vertices.filter((x) => x.name.startsWith('Source'))) {
      const listed = await this.request<{ id: string }[]>('GET', `/jobs/${jobId}/vertices/${v.id}/subtasks/metrics`).catch(() => []);
      const ids = listed.map((m) => m.id).filter((id) => Object.values(SOURCE_GAUGES).some((g) => id.endsWith(`.${g}`)));
      if (ids.length === 0) continue;
      for (const m of await this.vertexMetrics(jobId, v.id, ids).catch(() => [] as AggregatedMetric[])) {
        const dot = m.id.lastIndexOf('.');
        const op = `${v.id}/${m.id.slice(0, dot)}`;
        const gauge = m.id.slice(dot + 1);
        const o = perOperator.get(op) ?? {};
        if (gauge === SOURCE_GAUGES.records && m.sum !== undefined) o.records = m.sum;
        if (gauge === SOURCE_GAUGES.events && m.sum !== undefined) o.events = m.sum;
        if (gauge === SOURCE_GAUGES.millisBehind && m.max !== undefined) behind = Math.max(behind ?? 0, m.max);
        perOperator.set(op, o);
      }
    }
    const out: Record<string, number> = {};
    const least = (xs: (number | undefined)[]) => {
      const known = xs.filter((x): x is number => x !== undefined);
      return known.length > 0 ? Math.min(...known) : undefined;
    };
    const records = least([...perOperator.values()].map((o) => o.records));
    const events = least([...perOperator.values()].map((o) => o.events));
    if (records !== undefined) out[CONSUMER_METRICS.records] = records;
    if (events !== undefined) out[CONSUMER_METRICS.events] = events;
    if (behind !== undefined) out[CONSUMER_METRICS.millisBehind] = behind;
    return out;
  }
}
