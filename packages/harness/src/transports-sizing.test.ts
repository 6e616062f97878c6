/**
 * The input stream of a cloud run is sized from its load: events packed into 24 KiB records,
 * 1 MiB/s or 1,000 records/s per shard, 25 % headroom. Hand-worked.
 */
import { describe, expect, it } from 'vitest';
import type { AnyWorkload, EventSource } from '@streamscore/core';
import { inputShardsFor, meanEventBytes } from './transports.js';

describe('input shards from the load', () => {
  it('packs events and sizes by bytes', () => {
    // 200-byte events (+1 separator) pack 24,576 / 201 = 122 to a record. At 100,000 events/s:
    // 819.7 records/s (0.82 shards by records) and 100,000 × 201 B = 20,100,000 B/s
    // = 19.17 MiB/s (19.17 shards by bytes); × 1.25 = 23.96 → 24 shards.
    expect(inputShardsFor({ peakRate: 100_000, eventBytes: 200 })).toBe(24);
    // 1,000 events/s of 200 bytes: 0.19 shards × 1.25 → 1.
    expect(inputShardsFor({ peakRate: 1_000, eventBytes: 200 })).toBe(1);
  });

  it('measures the mean event size from the workload’s own stream', () => {
    const sizes = [10, 30]; // JSON {"s":"xxxxxxxxxx"} etc.
    const workload = {
      generator: ({ maxEvents }: { maxEvents?: number }): EventSource<unknown> => {
        let n = 0;
        return {
          get nextEventNumber() {
            return n;
          },
          hasNext: () => n < (maxEvents ?? 0),
          next: () => ({ s: 'x'.repeat(sizes[n++ % 2]!) }),
          dueTimeMs: () => 0,
        };
      },
    } as unknown as AnyWorkload;
    // {"s":""} is 8 bytes: events of 18 and 38 bytes, mean 28.
    expect(meanEventBytes(workload, {}, 100)).toBe(28);
  });
});
