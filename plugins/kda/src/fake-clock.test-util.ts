import type { Clock } from './aws.js';

/** A clock whose sleeps return at once and move time forward (tests only). */
export function fakeClock(startMs: number): Clock & { slept: number[] } {
  let now = startMs;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
}
