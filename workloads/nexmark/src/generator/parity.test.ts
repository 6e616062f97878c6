import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NexmarkConfigSchema, STANDARD_NEXMARK_CONFIG } from './config.js';
import { NexmarkGenerator } from './generator.js';
import type { NexmarkEvent } from './model.js';
import { canonicalLine } from './serialize.js';
import { beamTimeline } from './timeline.js';

/**
 * Parity with Apache Beam's own generator. parity-pins.json is the output of
 * `tools/beam-parity/run.sh pins` (Beam's Generator run from the published jar): per case, the
 * first events field by field, their event time and watermark, and a SHA-256 over the canonical
 * lines of the first 100,000 events.
 */
interface PinCase {
  name: string;
  note: string;
  overrides: Record<string, unknown>;
  baseTimeMs: number;
  firstEventId: number;
  firstEventNumber: number;
  maxEvents: number;
  split: number;
  digestEvents: number;
  sha256: string;
  eventTimestampAndWatermark: [number, number][];
  firstEvents: NexmarkEvent[];
}
interface Pins {
  beamArtifact: string;
  beamVersion: string;
  generatedAt: string;
  cases: PinCase[];
}
const pins = JSON.parse(readFileSync(new URL('./parity-pins.json', import.meta.url), 'utf8')) as Pins;

function generatorsFor(c: PinCase): NexmarkGenerator[] {
  const config = NexmarkConfigSchema.parse({ ...c.overrides, numEvents: c.maxEvents });
  const g = new NexmarkGenerator(config, {
    timeline: beamTimeline(config, c.baseTimeMs),
    firstEventId: c.firstEventId,
    firstEventNumber: c.firstEventNumber,
    maxEvents: c.maxEvents,
  });
  return g.split(c.split);
}

describe(`parity with ${pins.beamArtifact} ${pins.beamVersion} (pinned ${pins.generatedAt.slice(0, 10)})`, () => {
  it('the standard case is STANDARD_NEXMARK_CONFIG', () => {
    const standard = pins.cases.find((c) => c.name === 'standard')!;
    expect(NexmarkConfigSchema.parse({ ...standard.overrides, numEvents: standard.maxEvents })).toEqual(
      STANDARD_NEXMARK_CONFIG,
    );
  });

  for (const c of pins.cases) {
    it(`${c.name}: ${c.note}`, () => {
      const hash = createHash('sha256');
      const first: NexmarkEvent[] = [];
      const times: [number, number][] = [];
      let batch = '';
      let count = 0;
      for (const g of generatorsFor(c)) {
        while (g.hasNext()) {
          const watermark = g.watermarkMs(g.nextEventNumber);
          const e = g.next();
          if (first.length < c.firstEvents.length) {
            first.push(e);
            times.push([e.dateTime, watermark]);
          }
          batch += canonicalLine(e) + '\n';
          if (batch.length > 65536) {
            hash.update(batch);
            batch = '';
          }
          count++;
        }
      }
      hash.update(batch);
      // Field by field first, so a mismatch shows the first differing event.
      for (let i = 0; i < c.firstEvents.length; i++) {
        expect(first[i], `event ${i}`).toEqual(c.firstEvents[i]);
      }
      expect(times).toEqual(c.eventTimestampAndWatermark);
      expect(count).toBe(c.digestEvents);
      expect(hash.digest('hex')).toBe(c.sha256);
    });
  }
});
