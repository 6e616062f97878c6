import { describe, expect, it } from 'vitest';
import { hopShapeProblem, hopWindowStarts, isWindowFired, windowStart } from './windows.js';
import { TimerQueue } from './timer-queue.js';
import { SessionWindows } from './sessions.js';
import { intervalLiteral, renderSqlTemplate, templatePlaceholders } from '@streamscore/core';

describe('window arithmetic', () => {
  it('aligns tumbling windows to the epoch, negatives included', () => {
    expect(windowStart(0, 10_000)).toBe(0);
    expect(windowStart(9_999, 10_000)).toBe(0);
    expect(windowStart(10_000, 10_000)).toBe(10_000);
    expect(windowStart(1_436_918_412_345, 10_000)).toBe(1_436_918_410_000);
    expect(windowStart(-1, 10_000)).toBe(-10_000);
  });
  it('fires a window when the watermark reaches its last millisecond', () => {
    expect(isWindowFired(10_000, 9_998)).toBe(false);
    expect(isWindowFired(10_000, 9_999)).toBe(true);
  });
  it('lists hop windows latest first', () => {
    expect(hopWindowStarts(10_500, 10_000, 2_000)).toEqual([10_000, 8_000, 6_000, 4_000, 2_000]);
    expect(hopWindowStarts(10_000, 10_000, 10_000)).toEqual([10_000]);
  });
  it('rejects nonsense window shapes', () => {
    expect(hopShapeProblem(10_000, 2_000)).toBeUndefined();
    expect(hopShapeProblem(10_000, 20_000)).toMatch(/exceed/);
    expect(hopShapeProblem(10_000, 3_000)).toMatch(/multiple/);
    expect(hopShapeProblem(0, 0)).toMatch(/positive/);
  });
});

describe('TimerQueue', () => {
  it('pops in time order and grows', () => {
    const q = new TimerQueue(4);
    const times = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1009);
    times.forEach((t, i) => q.push(t, i));
    const out: number[] = [];
    while (q.size > 0) {
      out.push(q.peekTime());
      expect(times[q.peekKey()]).toBe(q.peekTime());
      q.pop();
    }
    expect(out).toEqual([...times].sort((a, b) => a - b));
    expect(q.peekTime()).toBe(Infinity);
  });
});

describe('SessionWindows', () => {
  type Closed = [number, number, number, number];
  const collect = (s: SessionWindows, wm: number) => {
    const out: Closed[] = [];
    s.advance(wm, (k, a, b, c) => out.push([k, a, b, c]));
    return out;
  };
  it('merges touching windows (elements exactly a gap apart share a session)', () => {
    const s = new SessionWindows(10);
    s.add(1, 0, -Infinity);
    s.add(1, 10, -Infinity);
    s.add(1, 25, -Infinity);
    expect(collect(s, 1000)).toEqual([
      [1, 0, 20, 2],
      [1, 25, 35, 1],
    ]);
  });
  it('fires at end − 1 and re-arms extended sessions lazily', () => {
    const s = new SessionWindows(10);
    s.add(7, 0, -Infinity);
    s.add(7, 5, -Infinity); // session now [0, 15)
    expect(collect(s, 9)).toEqual([]);
    expect(collect(s, 13)).toEqual([]);
    expect(collect(s, 14)).toEqual([[7, 0, 15, 2]]);
    expect(s.openSessions).toBe(0);
  });
  it('bridges two sessions with an element between them', () => {
    const s = new SessionWindows(10);
    s.add(1, 0, -Infinity);
    s.add(1, 30, -Infinity);
    s.add(1, 15, -Infinity); // [15,25) touches neither [0,10) nor... it intersects [0,10)? no: 0<=25 && 10>=15 false
    s.add(1, 20, -Infinity); // [20,30) touches [15,25) and [30,40)
    const out: Closed[] = [];
    s.flush((k, a, b, c) => out.push([k, a, b, c]));
    expect(out).toEqual([
      [1, 0, 10, 1],
      [1, 15, 40, 3],
    ]);
  });
  it('drops an element whose session would already be closed', () => {
    const s = new SessionWindows(10);
    expect(s.add(1, 0, 9)).toBe(false);
    expect(s.add(1, 0, 8)).toBe(true);
    expect(s.add(1, 3, 20)).toBe(false); // merged [0, 13) is closed at watermark 20
  });
});

describe('SQL templates', () => {
  it('renders intervals, vars and parameters', () => {
    expect(intervalLiteral(10_000)).toBe("INTERVAL '10' SECOND");
    expect(intervalLiteral(2_500)).toBe("INTERVAL '2.5' SECOND");
    expect(intervalLiteral(4_010)).toBe("INTERVAL '4.01' SECOND");
    const t = 'SELECT ${interval:windowSizeMs}, ${sessionGapMs} FROM x WITH (${SINK_WITH})';
    expect(renderSqlTemplate(t, { windowSizeMs: 10_000, sessionGapMs: 5 }, { SINK_WITH: "'connector' = 'blackhole'" })).toBe(
      "SELECT INTERVAL '10' SECOND, 5 FROM x WITH ('connector' = 'blackhole')",
    );
    expect(templatePlaceholders(t)).toEqual(['interval:windowSizeMs', 'sessionGapMs', 'SINK_WITH']);
    expect(() => renderSqlTemplate(t, {})).toThrow(/windowSizeMs/);
  });
});
