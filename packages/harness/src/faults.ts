import {
  type Backend,
  type Deployment,
  type FaultRecord,
  type FaultSpec,
  FaultSpecSchema,
  type HarnessTransport,
  type InjectedFault,
  type RunContext,
  UserError,
} from '@streamscore/core';

/**
 * The fault schedule of a run: parsed from `--fault KIND@TIME[:key=value,...]` or a run file's
 * `faults:` list, checked against what the backend and the transport can inject before anything
 * starts, and fired at its times by the driver loop (docs/faults.md).
 */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;
const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60 };

function seconds(text: string, what: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new UserError(`${what} "${text}" is not a duration.`, 'Write it like 30s, 1.5m or 500ms.');
  return Number(m[1]) * UNIT_S[m[2] ?? 's']!;
}

function optionValue(raw: string): string | number | boolean {
  const v = raw.trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^-?\d+(\.\d+)?%$/.test(v)) return Number(v.slice(0, -1)) / 100;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

/** `kill-taskmanager@30s`, `function-throttle@10s:share=20%,for=20s`, `network-delay@5s:ms=200`. */
export function parseFaultFlag(text: string): FaultSpec {
  const m = /^([a-z][a-z0-9-]*)@([^:]+)(?::(.*))?$/.exec(text.trim());
  if (!m) {
    throw new UserError(`--fault "${text}" is not KIND@TIME[:key=value,...].`, 'For example --fault kill-taskmanager@30s or --fault kinesis-throttle@0s:share=10%.');
  }
  const options: Record<string, string | number | boolean> = {};
  let forS: number | undefined;
  for (const part of (m[3] ?? '').split(',').filter((p) => p.trim())) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UserError(`--fault "${text}": option "${part}" is not key=value.`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1);
    if (key === 'for') forS = seconds(value, `--fault ${m[1]} for=`);
    else options[key] = optionValue(value);
  }
  return normalizeFault({ kind: m[1]!, atS: seconds(m[2]!, `--fault ${m[1]}@`), ...(forS !== undefined ? { forS } : {}), options }, `--fault ${text}`);
}

/** A run file's entry: `{ kind, at: 30s, for?: 10s, options? }` or the flag's text. */
export function parseFaultEntry(entry: unknown, where: string): FaultSpec {
  if (typeof entry === 'string') return parseFaultFlag(entry);
  if (entry && typeof entry === 'object') {
    const e = entry as Record<string, unknown>;
    const { at, for: forText, ...rest } = e;
    const spec = {
      ...rest,
      ...(at !== undefined ? { atS: typeof at === 'number' ? at : seconds(String(at), `${where}: at`) } : {}),
      ...(forText !== undefined ? { forS: typeof forText === 'number' ? forText : seconds(String(forText), `${where}: for`) } : {}),
    };
    return normalizeFault(spec, where);
  }
  throw new UserError(`${where}: a fault is KIND@TIME[:options] or { kind, at, for, options }.`);
}

function normalizeFault(raw: unknown, where: string): FaultSpec {
  const parsed = FaultSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${where}: ${i.path.join('.') || '(fault)'}: ${i.message}.`, 'See docs/faults.md for the fault kinds and their options.');
  }
  const share = parsed.data.options['share'];
  if (share !== undefined && !(typeof share === 'number' && share > 0 && share <= 1)) {
    throw new UserError(`${where}: share must be a fraction from 0 to 1 or a percentage (got ${String(share)}).`, 'For example share=10%.');
  }
  return parsed.data;
}

export type FaultInjector = 'backend' | 'transport';

/**
 * Who injects each fault: the transport for wire faults it lists, the backend for the kinds in
 * its capabilities. Refuses, in one line and before anything starts, a kind nobody injects or a
 * fault due after the load ends.
 */
export function assignFaults(
  faults: readonly FaultSpec[],
  o: { backend: Backend; target: string; transport: Pick<HarnessTransport, 'faultKinds'>; loadS: number },
): FaultInjector[] {
  const backendKinds = o.backend.capabilities.faults ?? [];
  const wireKinds = o.transport.faultKinds ?? [];
  return faults.map((f) => {
    if (f.atS >= o.loadS) {
      throw new UserError(`--fault ${f.kind}@${f.atS}s is due after the load ends (${o.loadS}s).`, 'Fire it earlier or lengthen --duration.');
    }
    if (wireKinds.includes(f.kind)) return 'transport';
    if (backendKinds.includes(f.kind)) return 'backend';
    const can = [...new Set([...backendKinds, ...wireKinds])];
    throw new UserError(
      `${o.backend.name} on target ${o.target} cannot inject ${f.kind}; it injects ${can.length ? can.join(', ') : 'no faults'}.`,
      wireKinds.length === 0 && ['kinesis-throttle', 'network-delay'].includes(f.kind)
        ? 'Wire faults are injected by the fault proxy in front of the local Kinesis: run a backend that reads Kinesis (flink, flock) on a local target.'
        : 'See docs/faults.md for which platform injects what.',
    );
  });
}

interface Slot {
  spec: FaultSpec;
  by: FaultInjector;
  firedAtS: number | null;
  clearedAtS?: number | null;
  effect: string;
  error?: string;
  injected?: InjectedFault;
  pending?: Promise<void>;
}

/**
 * Fires a run's faults at their times. `poll` is called from the driver loop and never waits for
 * an injection: a fault fires in the background and the load goes on, as it would in production.
 */
export class FaultSchedule {
  private readonly slots: Slot[];
  private readonly t0: number;

  constructor(
    faults: readonly FaultSpec[],
    by: readonly FaultInjector[],
    private readonly o: { backend: Backend; deployment: Deployment; ctx: RunContext; transport: HarnessTransport; baseTimeMs: number },
  ) {
    this.slots = faults.map((spec, i) => ({ spec, by: by[i]!, firedAtS: null, effect: 'not fired: the load ended first' }));
    this.t0 = o.baseTimeMs;
  }

  get size(): number {
    return this.slots.length;
  }

  /** The next instant (ms) something is due, for the driver's sleep; Infinity when nothing is. */
  nextDueMs(): number {
    let next = Infinity;
    for (const s of this.slots) {
      if (s.firedAtS === null && !s.error) next = Math.min(next, this.t0 + s.spec.atS * 1000);
      else if (s.injected?.clear && s.clearedAtS === undefined && s.spec.forS !== undefined) {
        next = Math.min(next, this.t0 + (s.spec.atS + s.spec.forS) * 1000);
      }
    }
    return next;
  }

  poll(nowMs: number): void {
    const tS = (nowMs - this.t0) / 1000;
    for (const s of this.slots) {
      if (s.firedAtS === null && !s.error && !s.pending && tS >= s.spec.atS) this.fire(s, tS);
      else if (s.injected?.clear && s.clearedAtS === undefined && s.spec.forS !== undefined && tS >= s.spec.atS + s.spec.forS) this.clear(s, tS);
    }
  }

  private fire(s: Slot, tS: number): void {
    const { backend, deployment, ctx, transport } = this.o;
    s.firedAtS = Math.round(tS * 1000) / 1000;
    const inject =
      s.by === 'transport'
        ? transport.injectFault!(s.spec)
        : backend.injectFault
          ? backend.injectFault(deployment, s.spec, ctx)
          : Promise.reject(new Error(`${backend.name} lists ${s.spec.kind} but has no injectFault`));
    ctx.log(`fault ${s.spec.kind} fired at ${s.firedAtS.toFixed(1)} s`);
    s.pending = inject.then(
      (r) => {
        s.injected = r;
        s.effect = r.effect;
        ctx.log(`fault ${s.spec.kind}: ${r.effect}`);
      },
      (e: unknown) => {
        s.error = (e as Error).message;
        s.effect = 'failed';
        ctx.log(`fault ${s.spec.kind} could not be injected: ${s.error}`);
      },
    );
  }

  private clear(s: Slot, tS: number): void {
    s.clearedAtS = Math.round(tS * 1000) / 1000;
    const clear = s.injected!.clear!;
    s.pending = clear().catch((e: unknown) => {
      s.error = `clearing it failed: ${(e as Error).message}`;
    });
  }

  /** Ends every lasting fault still on (the load is over) and returns what happened to each. */
  async finish(nowMs: number): Promise<FaultRecord[]> {
    await Promise.all(this.slots.map((s) => s.pending));
    const tS = Math.round(((nowMs - this.t0) / 1000) * 1000) / 1000;
    for (const s of this.slots) if (s.injected?.clear && s.clearedAtS === undefined) this.clear(s, tS);
    await Promise.all(this.slots.map((s) => s.pending));
    return this.slots.map((s) => ({
      ...s.spec,
      by: s.by,
      firedAtS: s.firedAtS,
      ...(s.clearedAtS !== undefined ? { clearedAtS: s.clearedAtS } : {}),
      effect: s.effect,
      ...(s.error ? { error: s.error } : {}),
    }));
  }
}
