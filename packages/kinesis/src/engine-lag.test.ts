import { describe, expect, it } from 'vitest';
import { CONSUMER_METRICS, inputLag, readerPosition } from './engine-lag.js';

describe('inputLag', () => {
  it('is what was acknowledged less what the engine reports having read', () => {
    const engine = { [CONSUMER_METRICS.records]: 70, [CONSUMER_METRICS.events]: 35_000, [CONSUMER_METRICS.millisBehind]: 1_200 };
    expect(inputLag({ records: 100, events: 50_000 }, engine)).toEqual({ inputLagRecords: 30, inputLagEvents: 15_000, inputLagMs: 1_200 });
  });

  it('reports nothing the engine did not give a position for, and never a negative lag', () => {
    expect(inputLag({ records: 100, events: 50_000 }, { recordsInPerSecond: 5 })).toEqual({});
    expect(inputLag({ records: 10, events: 500 }, { [CONSUMER_METRICS.records]: 12 })).toEqual({ inputLagRecords: 0 });
    expect(inputLag({ records: 0, events: 0 }, { [CONSUMER_METRICS.millisBehind]: 60_000 })).toEqual({ inputLagMs: 60_000 });
  });

  it("reads a KinesisReader's counters as a position", () => {
    expect(readerPosition({ records: 3, rows: 900, millisBehindLatest: 0 })).toEqual({
      'kinesis.consumer.recordsRead': 3,
      'kinesis.consumer.eventsRead': 900,
      'kinesis.consumer.millisBehindLatest': 0,
    });
  });
});
