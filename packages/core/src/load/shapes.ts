import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { PiecewiseShape, type Segment } from './shape.js';

/**
 * The load shapes a run can ask for, as Beam's Nexmark launcher offers them. Every shape is
 * realised as constant-rate segments, so the schedule (and its inverse, the due time of event n)
 * is exact: a ramp climbs in steps of `stepS` seconds, a sine is approximated with
 * `stepsPerPeriod` steps per period (Beam uses 10).
 */
export const ShapeSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), rate: z.number().positive() }),
  z.object({
    kind: z.literal('step'),
    steps: z.array(z.object({ rate: z.number().positive(), durationS: z.number().positive() })).min(1),
  }),
  z.object({ kind: z.literal('ramp'), from: z.number().positive(), to: z.number().positive(), stepS: z.number().positive().default(1) }),
  z.object({
    kind: z.literal('sine'),
    low: z.number().positive(),
    high: z.number().positive(),
    periodS: z.number().positive(),
    stepsPerPeriod: z.number().int().min(2).default(10),
  }),
]);
export type ShapeSpec = z.infer<typeof ShapeSpecSchema>;

/** Builds the schedule of a shape over `totalS` seconds (warm-up plus measured phase). */
export function buildShape(spec: ShapeSpec, totalS: number): PiecewiseShape {
  const segments: Segment[] = [];
  switch (spec.kind) {
    case 'constant':
      segments.push({ rate: spec.rate, durationS: totalS });
      break;
    case 'step': {
      let t = 0;
      for (const s of spec.steps) {
        if (t >= totalS) break;
        const d = Math.min(s.durationS, totalS - t);
        segments.push({ rate: s.rate, durationS: d });
        t += d;
      }
      // The last step holds until the end.
      if (t < totalS) segments.push({ rate: spec.steps[spec.steps.length - 1]!.rate, durationS: totalS - t });
      break;
    }
    case 'ramp': {
      const n = Math.max(1, Math.ceil(totalS / spec.stepS));
      for (let i = 0; i < n; i++) {
        const d = Math.min(spec.stepS, totalS - i * spec.stepS);
        // Each step runs at the ramp's rate at the step's midpoint.
        const mid = (i * spec.stepS + d / 2) / totalS;
        segments.push({ rate: spec.from + (spec.to - spec.from) * mid, durationS: d });
      }
      break;
    }
    case 'sine': {
      if (spec.high < spec.low) throw new UserError(`A sine shape needs low ≤ high (got ${spec.low}..${spec.high}).`);
      const stepS = spec.periodS / spec.stepsPerPeriod;
      const n = Math.max(1, Math.ceil(totalS / stepS));
      for (let i = 0; i < n; i++) {
        const d = Math.min(stepS, totalS - i * stepS);
        const phase = (2 * Math.PI * (i * stepS + d / 2)) / spec.periodS;
        segments.push({ rate: spec.low + ((spec.high - spec.low) * (1 - Math.cos(phase))) / 2, durationS: d });
      }
      break;
    }
  }
  return new PiecewiseShape(segments, { ...spec });
}

const RATE = /^\d+(?:\.\d+)?[kKmM]?$/;

/** `150k` → 150000, `2M` → 2000000. */
export function parseRate(text: string): number {
  const t = text.trim();
  if (!RATE.test(t)) throw new UserError(`"${text}" is not a rate.`, 'Write events per second like 50000, 50k or 1.5M.');
  const mult = /[kK]$/.test(t) ? 1e3 : /[mM]$/.test(t) ? 1e6 : 1;
  const v = Number(t.replace(/[kKmM]$/, '')) * mult;
  if (!(v > 0)) throw new UserError(`A rate must be positive (got "${text}").`);
  return v;
}

function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`"${text}" is not a duration.`, 'Write it like 10s or 2m.');
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] ?? 's']!;
}

/**
 * A rate profile from a CSV file: one row per step (a minute, for `plan --day`), each row either
 * `RATE` or `MINUTE,RATE`; a header row and blank lines are skipped. Rates are events/s, ≥ 0.
 */
export function readRateCsv(path: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read the rate profile ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 'Give a CSV file with one rate (events/s) per minute, or MINUTE,RATE rows.');
  }
  const rates: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    const parsed = z.number().nonnegative().finite().safeParse(Number(cells[cells.length - 1]));
    if (!parsed.success || cells[cells.length - 1] === '') {
      if (rates.length === 0 && i === 0) continue; // a header
      throw new UserError(`${path} line ${i + 1}: "${line}" is not a rate.`, 'Each row is RATE or MINUTE,RATE, with the rate in events/s (≥ 0).');
    }
    rates.push(parsed.data);
  }
  if (rates.length === 0) throw new UserError(`${path} has no rates.`, 'Give one rate (events/s) per row.');
  return rates;
}

/**
 * The `--shape` mini-language:
 *   constant            (the --rate)
 *   step:10k@10s,50k@10s,100k@10s
 *   ramp:1k..100k[/2s]  (from..to over the run, steps of 2 s; default 1 s)
 *   sine:10k..100k/60s  (low..high, period)
 *   file:day.csv[/1s]   (a CSV of rates, one row per step of 60 s, or of the given length: /1s runs a day of minutes in 24 min)
 */
export function parseShape(text: string, rate: number): ShapeSpec {
  const [kind, body = ''] = text.split(/:(.*)/s);
  const usage = 'Shapes: constant, step:10k@10s,50k@10s, ramp:1k..100k, sine:10k..100k/60s, file:day.csv/1s.';
  try {
    switch (kind) {
      case 'constant':
        return { kind: 'constant', rate };
      case 'step':
        return {
          kind: 'step',
          steps: body.split(',').map((s) => {
            const [r, d] = s.split('@');
            if (!r || !d) throw new Error(s);
            return { rate: parseRate(r), durationS: seconds(d) };
          }),
        };
      case 'ramp': {
        const [range = '', step] = body.split('/');
        const [from, to] = range.split('..');
        if (!from || !to) throw new Error(body);
        return { kind: 'ramp', from: parseRate(from), to: parseRate(to), stepS: step ? seconds(step) : 1 };
      }
      case 'sine': {
        const [range = '', period] = body.split('/');
        const [low, high] = range.split('..');
        if (!low || !high || !period) throw new Error(body);
        return { kind: 'sine', low: parseRate(low), high: parseRate(high), periodS: seconds(period), stepsPerPeriod: 10 };
      }
      case 'file': {
        const cut = body.lastIndexOf('/');
        const stepText = cut > 0 && /^\d+(?:\.\d+)?(ms|s|m|h)?$/.test(body.slice(cut + 1)) ? body.slice(cut + 1) : undefined;
        const path = stepText !== undefined ? body.slice(0, cut) : body;
        if (!path) throw new Error(body);
        const stepS = stepText !== undefined ? seconds(stepText) : 60;
        // A step of 0 events/s is not a rate the schedule can keep: the quietest step sends 1 event/s.
        return { kind: 'step', steps: readRateCsv(path).map((r) => ({ rate: Math.max(1, r), durationS: stepS })) };
      }
      default:
        throw new UserError(`Unknown load shape "${kind}".`, usage);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`Cannot read the load shape "${text}".`, usage);
  }
}
