import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemProbe, type ProcessProbe } from '@streamscore/core';
import { readZip } from './zip.js';
import { RUNTIME_SOURCE } from './runtime-source.js';
import { LambdaFaults } from './faults.js';

/**
 * A local Lambda service: the part of the AWS Lambda REST API that the flock plugin uses, served
 * on 127.0.0.1, running every function in real worker processes (one process per execution
 * environment, kept warm between invocations). Point `@aws-sdk/client-lambda` at `endpoint`.
 *
 * Behaviour that matters for measurement follows AWS:
 * - payload limits: 6 MB request/response for RequestResponse, 1 MB for Event (413 RequestTooLargeException);
 * - reserved concurrency: an environment runs one invocation at a time; when every permitted
 *   environment is busy, a sync call gets 429 TooManyRequestsException, an async one waits in the
 *   function's queue (as AWS's internal queue does) and is retried twice on a function error;
 * - cold starts: a new environment loads the handler; its time is `Init Duration` in the REPORT
 *   line of its first invocation, and is billed (REPORT's Billed Duration includes it, as AWS
 *   bills INIT since 2025-08-01);
 * - `X-Amz-Log-Type: Tail` returns the last 4 KB of the invocation's log, REPORT line included.
 */

const WORK_DIR_PREFIX = 'streamscore-lambda-';
const OWNER_FILE = 'owner.json';

/** Temp dirs of services this process started and has not stopped: removed if the process exits first. */
const ownedWorkDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of ownedWorkDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** A temp dir a local Lambda service left when its process was killed (SIGKILL skips every exit hook). */
export interface LeftWorkDir {
  dir: string;
  pid: number | undefined;
  /** The run id that started it, when known. */
  owner: string | undefined;
}

/**
 * `streamscore-lambda-*` dirs under the temp dir whose process is gone. A dir with no owner file
 * (written by an older version) counts once it is a minute old.
 */
export function leftWorkDirs(root = tmpdir(), probe: ProcessProbe = systemProbe): LeftWorkDir[] {
  if (!existsSync(root)) return [];
  const out: LeftWorkDir[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith(WORK_DIR_PREFIX)) continue;
    const dir = join(root, name);
    try {
      const f = join(dir, OWNER_FILE);
      if (!existsSync(f)) {
        if (Date.now() - statSync(dir).mtimeMs > 60_000) out.push({ dir, pid: undefined, owner: undefined });
        continue;
      }
      const o = JSON.parse(readFileSync(f, 'utf8')) as { pid?: number; owner?: string | null; start?: number };
      const pid = typeof o.pid === 'number' ? o.pid : undefined;
      const started = pid === undefined ? undefined : probe.startedAt(pid);
      const alive = pid !== undefined && probe.alive(pid) && (started === undefined || o.start === undefined || started <= o.start + 1_000);
      if (!alive) out.push({ dir, pid, owner: o.owner ?? undefined });
    } catch {
      // unreadable or removed meanwhile: not ours to judge
    }
  }
  return out;
}

export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;
export const ENV_LIMIT_BYTES = 4 * 1024;
export const TAIL_BYTES = 4 * 1024;
const MAX_ZIP_BYTES = 50 * 1024 * 1024;
const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;

export interface LocalLambdaOptions {
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  /** Account concurrency limit (AWS default 1,000). */
  accountConcurrency?: number;
  /** Unreserved concurrency that reservations may not eat into (AWS: 100). */
  minUnreserved?: number;
  /** Worker processes this machine may run at once across all functions. Default 32. */
  maxProcesses?: number;
  /** Idle environments are stopped after this long. Default 10 minutes. */
  idleMs?: number;
  /**
   * A node_modules directory exposed to every function, as a Lambda layer's
   * /opt/nodejs/node_modules is on AWS: native modules (DuckDB) resolve from here.
   */
  layerNodeModules?: string;
  /** Where packages are unzipped and logs are kept. Default: a new temp dir, removed on stop. */
  workDir?: string;
  /** Who started the service (a run id), written with this process's pid into the temp dir, so a later cleanup can tell a dead run's dir. */
  owner?: string;
  /** Kill an environment whose resident memory exceeds its Memory Size (AWS does). Default true. */
  enforceMemory?: boolean;
  /** Delay before an async invocation that failed is retried (AWS: ~1 min, then ~2 min). Default 200 ms. */
  asyncRetryDelayMs?: number;
  /** Environment variables every function sees (e.g. credentials, as the execution role's are). */
  extraEnv?: Record<string, string>;
}

export interface InvocationReport {
  functionName: string;
  requestId: string;
  invocationType: 'RequestResponse' | 'Event';
  durationMs: number;
  billedMs: number;
  memoryMB: number;
  maxMemoryUsedMB: number;
  initMs?: number;
  error?: string;
  line: string;
  at: number;
}

interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment?: { Variables: Record<string, string> };
  Architectures: string[];
  State: string;
  LastUpdateStatus: string;
  PackageType: string;
  EphemeralStorage: { Size: number };
  RevisionId: string;
}

interface Instance {
  id: number;
  child: ChildProcess;
  codeVersion: number;
  busy: boolean;
  ready: Promise<void>;
  initMs?: number;
  initLogs: string[];
  /** The next invocation is this environment's first: its REPORT carries Init Duration. */
  fresh: boolean;
  lastUsed: number;
  dead: boolean;
  pending?: { id: string; resolve: (m: DoneMessage) => void; reject: (e: Error) => void };
}

interface DoneMessage {
  type: 'done';
  id: string;
  ok: boolean;
  body: string;
  durationMs: number;
  maxMemoryMB: number;
  logs: string[];
}

interface AsyncItem {
  requestId: string;
  payload: string;
  attempts: number;
  notBefore: number;
}

interface Fn {
  config: FunctionConfiguration;
  tags: Record<string, string>;
  reserved?: number;
  codeVersion: number;
  dir: string;
  codeDir: string;
  instances: Instance[];
  /** Invocations counted against concurrency: running plus environments starting for one. */
  executions: number;
  queue: AsyncItem[];
  logs: string[];
  deleted: boolean;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface InvokeResult {
  status: number;
  body: string;
  functionError?: string;
  logTail?: string;
  report?: InvocationReport;
}

function sha256b64(b: Buffer): string {
  return createHash('sha256').update(b).digest('base64');
}

function fmt2(n: number): string {
  return n.toFixed(2);
}

/** The REPORT line exactly as Lambda writes it (tab separated, trailing tab). */
export function reportLine(r: Omit<InvocationReport, 'line' | 'functionName' | 'invocationType' | 'at'>): string {
  let s = `REPORT RequestId: ${r.requestId}\tDuration: ${fmt2(r.durationMs)} ms\tBilled Duration: ${r.billedMs} ms\tMemory Size: ${r.memoryMB} MB\tMax Memory Used: ${r.maxMemoryUsedMB} MB\t`;
  if (r.initMs !== undefined) s += `Init Duration: ${fmt2(r.initMs)} ms\t`;
  if (r.error) s += `Status: ${r.error}\t`;
  return s;
}

export class LocalLambdaService {
  readonly region: string;
  readonly accountId: string;
  private readonly o: Required<Omit<LocalLambdaOptions, 'layerNodeModules' | 'workDir' | 'owner' | 'port' | 'host' | 'extraEnv'>> & LocalLambdaOptions;
  private readonly fns = new Map<string, Fn>();
  private server: Server | undefined;
  private workDir = '';
  private ownsWorkDir = false;
  private runtimePath = '';
  private instanceSeq = 0;
  private reaper: NodeJS.Timeout | undefined;
  private readonly reportList: InvocationReport[] = [];
  private readonly reportListeners = new Set<(r: InvocationReport) => void>();
  endpoint = '';
  port = 0;
  /** Counters for tests and metrics. */
  readonly stats = { invocations: 0, coldStarts: 0, throttles: 0, asyncQueued: 0, asyncRetries: 0, asyncFailed: 0, tooLarge: 0 };
  /**
   * The on-failure destination of asynchronous invocations: what still failed after Lambda's two
   * retries lands here (on AWS, the function's OnFailure destination — an SQS queue, SNS topic,
   * bus or function), with the payload, so a run can tell what it lost.
   */
  readonly failedEvents: { functionName: string; requestId: string; payload: string; attempts: number; error: string; at: number }[] = [];
  /** Injected faults (./faults.ts): crashed environments, refused and timed-out invocations. */
  readonly faults = new LambdaFaults();

  constructor(options: LocalLambdaOptions = {}) {
    this.o = {
      region: 'us-east-1',
      accountId: '000000000000',
      accountConcurrency: 1000,
      minUnreserved: 100,
      maxProcesses: 32,
      idleMs: 10 * 60_000,
      enforceMemory: true,
      asyncRetryDelayMs: 200,
      ...options,
    };
    this.region = this.o.region;
    this.accountId = this.o.accountId;
  }

  async start(): Promise<this> {
    if (this.server) return this;
    if (this.o.workDir) {
      this.workDir = resolvePath(this.o.workDir);
      mkdirSync(this.workDir, { recursive: true });
    } else {
      this.workDir = mkdtempSync(join(tmpdir(), WORK_DIR_PREFIX));
      this.ownsWorkDir = true;
      writeFileSync(join(this.workDir, OWNER_FILE), JSON.stringify({ pid: process.pid, owner: this.o.owner ?? null, start: Date.now() }) + '\n');
      ownedWorkDirs.add(this.workDir);
      installExitHook();
    }
    this.runtimePath = join(this.workDir, 'runtime.mjs');
    writeFileSync(this.runtimePath, RUNTIME_SOURCE);
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.endpoint = `http://${this.o.host ?? '127.0.0.1'}:${this.port}`;
    this.reaper = setInterval(() => this.reapIdle(), Math.min(30_000, this.o.idleMs));
    this.reaper.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    for (const fn of this.fns.values()) this.killAll(fn);
    if (this.server) {
      const s = this.server;
      this.server = undefined;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
    if (this.ownsWorkDir && this.workDir) {
      rmSync(this.workDir, { recursive: true, force: true });
      ownedWorkDirs.delete(this.workDir);
    }
  }

  /** Every REPORT written so far (the local stand-in for CloudWatch Logs). */
  reports(functionName?: string): InvocationReport[] {
    return functionName ? this.reportList.filter((r) => r.functionName === functionName) : [...this.reportList];
  }

  onReport(listener: (r: InvocationReport) => void): () => void {
    this.reportListeners.add(listener);
    return () => this.reportListeners.delete(listener);
  }

  /** The function's log (CloudWatch's log group stand-in). */
  logs(functionName: string): string[] {
    return [...(this.fns.get(functionName)?.logs ?? [])];
  }

  /** Environments (processes) per function, and how many are busy. */
  environments(): Record<string, { total: number; busy: number }> {
    const out: Record<string, { total: number; busy: number }> = {};
    for (const [name, fn] of this.fns) out[name] = { total: fn.instances.length, busy: fn.instances.filter((i) => i.busy).length };
    return out;
  }

  /** Pids of the function environments running now: the system under test's processes. */
  pids(): number[] {
    return [...this.fns.values()].flatMap((fn) => fn.instances.flatMap((i) => (i.child.pid !== undefined ? [i.child.pid] : [])));
  }

  private arn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const method = req.method ?? 'GET';
      const [version, collection] = parts;
      const isInvoke = collection === 'functions' && parts[3] === 'invocations' && method === 'POST';
      const limit = isInvoke ? SYNC_PAYLOAD_LIMIT : MAX_ZIP_BYTES * 2;
      const body = await readBody(req, limit, isInvoke);
      if (isInvoke) return await this.invokeHttp(parts[2]!, req, body, res);
      const json = body.length > 0 ? parseJson(body) : {};
      if (collection === 'functions') {
        const name = parts[2] ? this.nameOf(parts[2]) : undefined;
        const sub = parts[3];
        if (version === '2015-03-31' && !name && method === 'POST') return send(res, 201, this.createFunction(json));
        if (version === '2015-03-31' && !name && method === 'GET') return send(res, 200, this.listFunctions(url));
        if (name && version === '2015-03-31' && !sub && method === 'GET') return send(res, 200, this.getFunction(name));
        if (name && version === '2015-03-31' && !sub && method === 'DELETE') {
          this.deleteFunction(name);
          return send(res, 204, undefined);
        }
        if (name && version === '2015-03-31' && sub === 'code' && method === 'PUT') return send(res, 200, this.updateCode(name, json));
        if (name && version === '2015-03-31' && sub === 'configuration' && method === 'GET') return send(res, 200, this.fn(name).config);
        if (name && version === '2015-03-31' && sub === 'configuration' && method === 'PUT') return send(res, 200, this.updateConfiguration(name, json));
        if (name && sub === 'concurrency' && method === 'PUT') return send(res, 200, this.putConcurrency(name, json));
        if (name && sub === 'concurrency' && method === 'GET') {
          const fn = this.fn(name);
          return send(res, 200, fn.reserved === undefined ? {} : { ReservedConcurrentExecutions: fn.reserved });
        }
        if (name && sub === 'concurrency' && method === 'DELETE') {
          delete this.fn(name).reserved;
          return send(res, 204, undefined);
        }
      }
      if (collection === 'tags' && parts[2]) {
        const fn = this.fn(this.nameOf(parts.slice(2).join('/')));
        if (method === 'GET') return send(res, 200, { Tags: fn.tags });
        if (method === 'POST') {
          Object.assign(fn.tags, (json as { Tags?: Record<string, string> }).Tags ?? {});
          return send(res, 204, undefined);
        }
        if (method === 'DELETE') {
          for (const k of url.searchParams.getAll('tagKeys')) delete fn.tags[k];
          return send(res, 204, undefined);
        }
      }
      if (collection === 'account-settings' && method === 'GET') return send(res, 200, this.accountSettings());
      throw new ApiError(404, 'UnknownOperationException', `The local Lambda service does not implement ${method} ${url.pathname}`);
    } catch (e) {
      if (e instanceof ApiError) {
        res.setHeader('x-amzn-errortype', e.type);
        for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
        return send(res, e.status, { Type: e.status >= 500 ? 'Service' : 'User', message: e.message, ...e.extra });
      }
      res.setHeader('x-amzn-errortype', 'ServiceException');
      send(res, 500, { Type: 'Service', message: (e as Error).message });
    }
  }

  private nameOf(id: string): string {
    // Function name, ARN (arn:aws:lambda:region:acct:function:name[:qualifier]) or partial ARN.
    const m = /(?:^|:)function:([^:]+)/.exec(id);
    return m ? m[1]! : id.split(':')[0]!;
  }

  private fn(name: string): Fn {
    const fn = this.fns.get(name);
    if (!fn) throw new ApiError(404, 'ResourceNotFoundException', `Function not found: ${this.arn(name)}`);
    return fn;
  }

  // -------------------------------------------------------------------------------------------
  // Control plane

  private createFunction(j: Record<string, unknown>): FunctionConfiguration {
    const name = str(j['FunctionName']);
    if (!name || !/^[a-zA-Z0-9-_]{1,64}$/.test(name)) throw new ApiError(400, 'InvalidParameterValueException', `Invalid FunctionName: ${String(name)}`);
    if (this.fns.has(name)) throw new ApiError(409, 'ResourceConflictException', `Function already exist: ${name}`);
    if (!str(j['Role'])) throw new ApiError(400, 'InvalidParameterValueException', 'Role is required');
    const code = (j['Code'] ?? {}) as Record<string, unknown>;
    const zipB64 = str(code['ZipFile']);
    if (!zipB64) throw new ApiError(400, 'InvalidParameterValueException', 'The local Lambda service accepts Code.ZipFile only (no S3 or image packages)');
    const zip = Buffer.from(zipB64, 'base64');
    const memory = num(j['MemorySize']) ?? 128;
    if (!Number.isInteger(memory) || memory < 128 || memory > 10240) throw new ApiError(400, 'InvalidParameterValueException', `MemorySize must be between 128 and 10240 (got ${memory})`);
    const timeout = num(j['Timeout']) ?? 3;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) throw new ApiError(400, 'InvalidParameterValueException', `Timeout must be between 1 and 900 (got ${timeout})`);
    const envVars = ((j['Environment'] as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}) as Record<string, string>;
    checkEnv(envVars);
    const arch = (j['Architectures'] as string[] | undefined) ?? ['x86_64'];
    if (arch.length !== 1 || (arch[0] !== 'x86_64' && arch[0] !== 'arm64')) throw new ApiError(400, 'InvalidParameterValueException', `Architectures must be [x86_64] or [arm64]`);
    const dir = join(this.workDir, 'functions', name);
    const fn: Fn = {
      config: {
        FunctionName: name,
        FunctionArn: this.arn(name),
        Runtime: str(j['Runtime']) ?? 'nodejs20.x',
        Role: str(j['Role'])!,
        Handler: str(j['Handler']) ?? 'index.handler',
        CodeSize: zip.length,
        Description: str(j['Description']) ?? '',
        Timeout: timeout,
        MemorySize: memory,
        LastModified: new Date().toISOString().replace('Z', '+0000'),
        CodeSha256: sha256b64(zip),
        Version: '$LATEST',
        ...(Object.keys(envVars).length > 0 ? { Environment: { Variables: envVars } } : {}),
        Architectures: arch,
        State: 'Active',
        LastUpdateStatus: 'Successful',
        PackageType: 'Zip',
        EphemeralStorage: { Size: num((j['EphemeralStorage'] as { Size?: number } | undefined)?.Size) ?? 512 },
        RevisionId: randomUUID(),
      },
      tags: { ...((j['Tags'] as Record<string, string> | undefined) ?? {}) },
      codeVersion: 0,
      dir,
      codeDir: '',
      instances: [],
      executions: 0,
      queue: [],
      logs: [],
      deleted: false,
    };
    this.unpack(fn, zip);
    this.fns.set(name, fn);
    return fn.config;
  }

  private unpack(fn: Fn, zip: Buffer): void {
    if (zip.length > MAX_ZIP_BYTES) throw new ApiError(413, 'RequestEntityTooLargeException', `Zipped deployment package must be smaller than ${MAX_ZIP_BYTES} bytes`);
    let entries;
    try {
      entries = readZip(zip);
    } catch (e) {
      throw new ApiError(400, 'InvalidParameterValueException', `Could not unzip uploaded file. Please check your file, then try to upload again. (${(e as Error).message})`);
    }
    const unzipped = entries.reduce((s, e) => s + e.data.length, 0);
    if (unzipped > MAX_UNZIPPED_BYTES) throw new ApiError(400, 'InvalidParameterValueException', `Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
    const version = fn.codeVersion + 1;
    const base = join(fn.dir, `v${version}`);
    const task = join(base, 'task');
    mkdirSync(task, { recursive: true });
    for (const e of entries) {
      const target = resolvePath(task, e.name);
      if (!target.startsWith(task + '/')) throw new ApiError(400, 'InvalidParameterValueException', `Bad path in package: ${e.name}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, e.data, { mode: e.mode ?? 0o644 });
    }
    // The layer: node_modules one level above the task root, so `require('@duckdb/node-api')`
    // from the package resolves there, as /opt/nodejs/node_modules does on AWS.
    if (this.o.layerNodeModules) symlinkSync(resolvePath(this.o.layerNodeModules), join(base, 'node_modules'), 'dir');
    fn.codeVersion = version;
    fn.codeDir = task;
  }

  private updateCode(name: string, j: Record<string, unknown>): FunctionConfiguration {
    const fn = this.fn(name);
    const zipB64 = str(j['ZipFile']);
    if (!zipB64) throw new ApiError(400, 'InvalidParameterValueException', 'ZipFile is required');
    const zip = Buffer.from(zipB64, 'base64');
    this.unpack(fn, zip);
    fn.config.CodeSize = zip.length;
    fn.config.CodeSha256 = sha256b64(zip);
    fn.config.LastModified = new Date().toISOString().replace('Z', '+0000');
    fn.config.RevisionId = randomUUID();
    this.retireIdle(fn);
    return fn.config;
  }

  private updateConfiguration(name: string, j: Record<string, unknown>): FunctionConfiguration {
    const fn = this.fn(name);
    const c = fn.config;
    if (j['MemorySize'] !== undefined) c.MemorySize = num(j['MemorySize']) ?? c.MemorySize;
    if (j['Timeout'] !== undefined) c.Timeout = num(j['Timeout']) ?? c.Timeout;
    if (j['Handler'] !== undefined) c.Handler = str(j['Handler']) ?? c.Handler;
    if (j['Environment'] !== undefined) {
      const v = ((j['Environment'] as { Variables?: Record<string, string> }).Variables ?? {}) as Record<string, string>;
      checkEnv(v);
      c.Environment = { Variables: v };
    }
    c.RevisionId = randomUUID();
    c.LastModified = new Date().toISOString().replace('Z', '+0000');
    // New configuration: new environments (as on AWS, running ones finish first).
    fn.codeVersion++;
    const base = join(fn.dir, `v${fn.codeVersion}`);
    mkdirSync(base, { recursive: true });
    symlinkSync(fn.codeDir, join(base, 'task'), 'dir');
    if (this.o.layerNodeModules) symlinkSync(resolvePath(this.o.layerNodeModules), join(base, 'node_modules'), 'dir');
    fn.codeDir = join(base, 'task');
    this.retireIdle(fn);
    return c;
  }

  private getFunction(name: string): Record<string, unknown> {
    const fn = this.fn(name);
    return {
      Configuration: fn.config,
      Code: { RepositoryType: 'S3', Location: `${this.endpoint}/local/${name}/code.zip` },
      Tags: fn.tags,
      ...(fn.reserved !== undefined ? { Concurrency: { ReservedConcurrentExecutions: fn.reserved } } : {}),
    };
  }

  private listFunctions(url: URL): Record<string, unknown> {
    const all = [...this.fns.values()].map((f) => f.config).sort((a, b) => a.FunctionName.localeCompare(b.FunctionName));
    const marker = url.searchParams.get('Marker');
    const max = Math.min(Number(url.searchParams.get('MaxItems') ?? 50) || 50, 50);
    const start = marker ? Number(marker) : 0;
    const page = all.slice(start, start + max);
    return { Functions: page, ...(start + max < all.length ? { NextMarker: String(start + max) } : {}) };
  }

  private deleteFunction(name: string): void {
    const fn = this.fn(name);
    fn.deleted = true;
    this.killAll(fn);
    this.fns.delete(name);
    rmSync(fn.dir, { recursive: true, force: true });
  }

  private reservedTotal(except?: string): number {
    let t = 0;
    for (const [n, f] of this.fns) if (n !== except && f.reserved !== undefined) t += f.reserved;
    return t;
  }

  private putConcurrency(name: string, j: Record<string, unknown>): Record<string, unknown> {
    const fn = this.fn(name);
    const r = num(j['ReservedConcurrentExecutions']);
    if (r === undefined || !Number.isInteger(r) || r < 0) throw new ApiError(400, 'InvalidParameterValueException', 'ReservedConcurrentExecutions must be a non-negative integer');
    if (this.o.accountConcurrency - this.reservedTotal(name) - r < this.o.minUnreserved) {
      throw new ApiError(
        400,
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.o.minUnreserved}].`,
      );
    }
    fn.reserved = r;
    return { ReservedConcurrentExecutions: r };
  }

  private accountSettings(): Record<string, unknown> {
    let code = 0;
    for (const f of this.fns.values()) code += f.config.CodeSize;
    return {
      AccountLimit: {
        TotalCodeSize: 80530636800,
        CodeSizeUnzipped: MAX_UNZIPPED_BYTES,
        CodeSizeZipped: MAX_ZIP_BYTES,
        ConcurrentExecutions: this.o.accountConcurrency,
        UnreservedConcurrentExecutions: this.o.accountConcurrency - this.reservedTotal(),
      },
      AccountUsage: { TotalCodeSize: code, FunctionCount: this.fns.size },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Invoke

  private async invokeHttp(id: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const name = this.nameOf(id);
    const type = (header(req, 'x-amz-invocation-type') ?? 'RequestResponse') as string;
    const tail = header(req, 'x-amz-log-type') === 'Tail';
    if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') throw new ApiError(400, 'InvalidParameterValueException', `Invalid InvocationType: ${type}`);
    const fn = this.fn(name);
    if (type === 'DryRun') return send(res, 204, undefined);
    const r = await this.invoke(fn.config.FunctionName, body, type, tail);
    if (r.functionError) res.setHeader('x-amz-function-error', r.functionError);
    if (r.logTail !== undefined) res.setHeader('x-amz-log-result', r.logTail);
    res.setHeader('x-amz-executed-version', '$LATEST');
    res.setHeader('x-amzn-requestid', r.report?.requestId ?? randomUUID());
    if (r.status === 202) return send(res, 202, undefined);
    res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) });
    res.end(r.body);
  }

  /** Invokes a function in process (the HTTP handler's core; also usable directly). */
  async invoke(name: string, payload: Buffer | string, type: 'RequestResponse' | 'Event', tail = false): Promise<InvokeResult> {
    const fn = this.fn(name);
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    if (body.length > limit) {
      this.stats.tooLarge++;
      throw new ApiError(413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes for the ${type === 'Event' ? 'InvokeAsync' : 'InvokeFunction'} operation`);
    }
    const text = body.toString('utf8');
    if (text.trim() !== '') {
      try {
        JSON.parse(text);
      } catch {
        throw new ApiError(400, 'InvalidRequestContentException', 'Could not parse request body into json: Could not parse payload into json');
      }
    }
    const requestId = randomUUID();
    if (type === 'Event') {
      fn.queue.push({ requestId, payload: text, attempts: 0, notBefore: 0 });
      this.stats.asyncQueued++;
      this.pumpQueue(fn);
      return { status: 202, body: '' };
    }
    const inst = this.faults.throttles(name) ? undefined : this.acquire(fn);
    if (!inst) {
      this.stats.throttles++;
      const reserved = fn.reserved !== undefined;
      throw new ApiError(429, 'TooManyRequestsException', 'Rate Exceeded.', { Reason: reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded', retryAfterSeconds: '1' }, { 'retry-after': '1' });
    }
    const out = await this.run(fn, inst, requestId, text, 'RequestResponse');
    const tailText = out.logText.length > TAIL_BYTES ? out.logText.subarray(out.logText.length - TAIL_BYTES) : out.logText;
    return { status: 200, body: out.body, ...(out.functionError ? { functionError: out.functionError } : {}), ...(tail ? { logTail: tailText.toString('base64') } : {}), report: out.report };
  }

  private limitOf(fn: Fn): number {
    return fn.reserved ?? Math.max(0, this.o.accountConcurrency - this.reservedTotal());
  }

  private unreservedInUse(): number {
    let n = 0;
    for (const f of this.fns.values()) if (f.reserved === undefined) n += f.executions;
    return n;
  }

  private processCount(): number {
    let n = 0;
    for (const f of this.fns.values()) n += f.instances.length;
    return n;
  }

  /** A free environment of the current code, or a new one if concurrency allows; undefined = throttled. */
  private acquire(fn: Fn): Instance | undefined {
    if (fn.executions >= this.limitOf(fn)) return undefined;
    if (fn.reserved === undefined && this.unreservedInUse() >= this.o.accountConcurrency - this.reservedTotal()) return undefined;
    const warm = fn.instances.find((i) => !i.busy && !i.dead && i.codeVersion === fn.codeVersion);
    if (warm) {
      warm.busy = true;
      fn.executions++;
      return warm;
    }
    // Make room: stale or idle environments of this function, then idle ones of others.
    for (const i of fn.instances.filter((x) => !x.busy && x.codeVersion !== fn.codeVersion)) this.kill(fn, i);
    if (this.processCount() >= this.o.maxProcesses) {
      const idle = [...this.fns.values()].flatMap((f) => f.instances.filter((i) => !i.busy).map((i) => ({ f, i }))).sort((a, b) => a.i.lastUsed - b.i.lastUsed)[0];
      if (!idle) return undefined;
      this.kill(idle.f, idle.i);
    }
    const inst = this.spawn(fn);
    inst.busy = true;
    fn.executions++;
    return inst;
  }

  private spawn(fn: Fn): Instance {
    const c = fn.config;
    const id = ++this.instanceSeq;
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: join(fn.dir, `home-${id}`),
      TZ: 'UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_LAMBDA_FUNCTION_NAME: c.FunctionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.FunctionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/${id}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime}`,
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:0',
      LAMBDA_TASK_ROOT: fn.codeDir,
      LAMBDA_RUNTIME_DIR: dirname(this.runtimePath),
      _HANDLER: c.Handler,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ...(this.o.extraEnv ?? {}),
      ...(c.Environment?.Variables ?? {}),
    };
    mkdirSync(env['HOME']!, { recursive: true });
    const child = fork(this.runtimePath, [], {
      env,
      cwd: fn.codeDir,
      execArgv: [`--max-old-space-size=${Math.max(64, Math.floor(c.MemorySize * 0.9))}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const inst: Instance = { id, child, codeVersion: fn.codeVersion, busy: false, ready: Promise.resolve(), initLogs: [], fresh: true, lastUsed: Date.now(), dead: false };
    const spawnedAt = performance.now();
    const onOutput = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.log(fn, `${new Date().toISOString()}\t${inst.pending?.id ?? 'undefined'}\tINFO\t${line}`);
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    inst.ready = new Promise<void>((resolve, reject) => {
      child.once('message', (m: { type: string; initMs: number; logs: string[]; error?: { errorType: string; errorMessage: string } }) => {
        // Init Duration as Lambda measures it: from the start of the environment's INIT phase
        // (process start) until the handler is loaded.
        inst.initMs = performance.now() - spawnedAt;
        inst.initLogs = m.logs ?? [];
        if (m.type === 'ready') resolve();
        else reject(Object.assign(new Error(m.error?.errorMessage ?? 'init failed'), { name: m.error?.errorType ?? 'Runtime.InitError' }));
      });
      child.once('exit', (code, signal) => reject(new Error(`Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`)));
    });
    inst.ready.catch(() => {});
    child.on('message', (m: DoneMessage | { type: string }) => {
      if (m.type !== 'done') return;
      const d = m as DoneMessage;
      const p = inst.pending;
      if (p && p.id === d.id) {
        inst.pending = undefined;
        p.resolve(d);
      }
    });
    child.on('exit', (code, signal) => {
      inst.dead = true;
      const p = inst.pending;
      inst.pending = undefined;
      p?.reject(new Error(`Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`));
      fn.instances = fn.instances.filter((i) => i !== inst);
    });
    fn.instances.push(inst);
    this.stats.coldStarts++;
    return inst;
  }

  private log(fn: Fn, line: string): void {
    fn.logs.push(line);
    if (fn.logs.length > 20_000) fn.logs.splice(0, fn.logs.length - 10_000);
  }

  private async run(
    fn: Fn,
    inst: Instance,
    requestId: string,
    payload: string,
    type: 'RequestResponse' | 'Event',
  ): Promise<{ body: string; functionError?: string; logText: Buffer; report: InvocationReport }> {
    const c = fn.config;
    this.stats.invocations++;
    const lines: string[] = [];
    let initMs: number | undefined;
    let done: DoneMessage | undefined;
    let error: string | undefined;
    let errorBody: string | undefined;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (inst.fresh) {
        try {
          await inst.ready;
        } finally {
          initMs = inst.initMs ?? performance.now() - started;
          lines.push(...inst.initLogs);
          inst.fresh = false;
        }
      }
      lines.push(`START RequestId: ${requestId} Version: $LATEST`);
      const deadlineMs = Date.now() + c.Timeout * 1000;
      done = await new Promise<DoneMessage>((resolve, reject) => {
        inst.pending = { id: requestId, resolve, reject };
        timer = setTimeout(() => {
          error = 'timeout';
          reject(new Error(`Task timed out after ${c.Timeout.toFixed(2)} seconds`));
          this.kill(fn, inst);
        }, c.Timeout * 1000);
        // An injected timeout: the payload never reaches the handler, so the Timeout ends it.
        if (this.faults.takeTimeout(c.FunctionName)) return;
        try {
          inst.child.send({ type: 'invoke', id: requestId, payload, deadlineMs, arn: c.FunctionArn });
        } catch (e) {
          reject(e as Error);
        }
        const crashMs = this.faults.takeCrash(c.FunctionName);
        if (crashMs !== undefined) setTimeout(() => this.kill(fn, inst), crashMs).unref();
      });
    } catch (e) {
      const err = e as Error;
      error ??= 'error';
      errorBody = JSON.stringify({ errorType: err.name === 'Error' ? (error === 'timeout' ? 'Sandbox.Timedout' : 'Runtime.ExitError') : err.name, errorMessage: `RequestId: ${requestId} Error: ${err.message}` });
      lines.push(`${new Date().toISOString()} ${requestId} ${err.message}`);
      this.kill(fn, inst);
    } finally {
      clearTimeout(timer);
    }
    const durationMs = done ? done.durationMs : Math.max(0, performance.now() - started - (initMs ?? 0));
    let maxMemoryUsedMB = done?.maxMemoryMB ?? 0;
    if (done) lines.push(...done.logs);
    let body = done ? done.body : errorBody!;
    let functionError: string | undefined = done ? (done.ok ? undefined : 'Unhandled') : 'Unhandled';
    if (done && this.o.enforceMemory && maxMemoryUsedMB > c.MemorySize) {
      error = 'error';
      functionError = 'Unhandled';
      body = JSON.stringify({ errorType: 'Runtime.OutOfMemory', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed` });
      maxMemoryUsedMB = c.MemorySize;
      this.kill(fn, inst);
    }
    if (type === 'RequestResponse' && Buffer.byteLength(body) > SYNC_PAYLOAD_LIMIT) {
      functionError = 'Unhandled';
      body = JSON.stringify({ errorMessage: `Response payload size exceeded maximum allowed payload size (${SYNC_PAYLOAD_LIMIT} bytes).`, errorType: 'Function.ResponseSizeTooLarge' });
    }
    lines.push(`END RequestId: ${requestId}`);
    const billedMs = Math.max(1, Math.ceil(durationMs + (initMs ?? 0)));
    const rep = {
      requestId,
      durationMs,
      billedMs,
      memoryMB: c.MemorySize,
      maxMemoryUsedMB,
      ...(initMs !== undefined ? { initMs } : {}),
      ...(error ? { error } : {}),
    };
    const line = reportLine(rep);
    lines.push(line);
    const report: InvocationReport = { ...rep, functionName: c.FunctionName, invocationType: type, line, at: Date.now() };
    for (const l of lines) this.log(fn, l);
    this.reportList.push(report);
    if (this.reportList.length > 200_000) this.reportList.splice(0, 100_000);
    for (const l of this.reportListeners) l(report);
    inst.busy = false;
    inst.lastUsed = Date.now();
    fn.executions--;
    if (!fn.deleted) this.pumpQueue(fn);
    return { body, ...(functionError ? { functionError } : {}), logText: Buffer.from(lines.join('\n') + '\n'), report };
  }

  /** Runs queued async invocations while environments are free. */
  private pumpQueue(fn: Fn): void {
    while (fn.queue.length > 0 && !fn.deleted) {
      const now = Date.now();
      const idx = fn.queue.findIndex((q) => q.notBefore <= now);
      if (idx < 0) {
        const next = Math.min(...fn.queue.map((q) => q.notBefore));
        setTimeout(() => this.pumpQueue(fn), Math.max(1, next - now)).unref();
        return;
      }
      const inst = this.acquire(fn);
      if (!inst) {
        // Nothing free: the next completion pumps again (or, if no execution is running, a timer).
        if (fn.executions === 0) setTimeout(() => this.pumpQueue(fn), 50).unref();
        return;
      }
      const item = fn.queue.splice(idx, 1)[0]!;
      void this.run(fn, inst, item.requestId, item.payload, 'Event').then((r) => {
        if (r.functionError && item.attempts < 2 && !fn.deleted) {
          this.stats.asyncRetries++;
          item.attempts++;
          item.notBefore = Date.now() + this.o.asyncRetryDelayMs * item.attempts;
          fn.queue.push(item);
          this.pumpQueue(fn);
        } else if (r.functionError) {
          this.stats.asyncFailed++;
          this.failedEvents.push({ functionName: fn.config.FunctionName, requestId: item.requestId, payload: item.payload, attempts: item.attempts + 1, error: r.body.slice(0, 500), at: Date.now() });
          if (this.failedEvents.length > 10_000) this.failedEvents.splice(0, 5_000);
        }
      });
    }
  }

  private kill(fn: Fn, inst: Instance): void {
    if (!inst.dead) {
      inst.dead = true;
      inst.child.kill('SIGKILL');
    }
    fn.instances = fn.instances.filter((i) => i !== inst);
  }

  private killAll(fn: Fn): void {
    for (const i of [...fn.instances]) this.kill(fn, i);
  }

  private retireIdle(fn: Fn): void {
    for (const i of fn.instances.filter((x) => !x.busy)) this.kill(fn, i);
  }

  private reapIdle(): void {
    const cutoff = Date.now() - this.o.idleMs;
    for (const fn of this.fns.values()) for (const i of fn.instances.filter((x) => !x.busy && x.lastUsed < cutoff)) this.kill(fn, i);
  }
}

export async function startLocalLambda(o: LocalLambdaOptions = {}): Promise<LocalLambdaService> {
  return new LocalLambdaService(o).start();
}

// ---------------------------------------------------------------------------------------------

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function checkEnv(vars: Record<string, string>): void {
  const size = Object.entries(vars).reduce((s, [k, v]) => s + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  if (size > ENV_LIMIT_BYTES) {
    throw new ApiError(400, 'InvalidParameterValueException', `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${size} bytes`);
  }
}

function parseJson(b: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(b.toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    throw new ApiError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
  }
}

async function readBody(req: IncomingMessage, limit: number, isInvoke: boolean): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = Number.isFinite(declared) && declared > limit;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) over = true;
    if (!over) chunks.push(c as Buffer);
  }
  if (over) {
    if (isInvoke) throw new ApiError(413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`);
    throw new ApiError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${limit} bytes`);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'content-length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
