import type { Clock } from '../../src/clock.ts';

/** A clock tests move by hand; sleep resolves immediately and advances it. */
export function fakeClock(start = Date.UTC(2026, 10, 26, 12, 0, 0)): Clock & { advance(ms: number): void; slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}
