// The emulator's idea of "now" for everything tokens carry and are checked against (iat/exp, client
// assertion lifetimes, GitHub's OIDC tokens). Tests move it forward to simulate a long run without
// waiting: a deploy that takes 20 minutes outlives a 5-minute GitHub token. Timers (latencies, LRO
// durations) stay on real time.
export class EmulatorClock {
  #offsetMs = 0;

  get offsetMs(): number {
    return this.#offsetMs;
  }

  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }

  nowSec(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Moves emulated time forward (never back: issued tokens must not get younger). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance: ms must be a non-negative number');
    this.#offsetMs += ms;
  }
}
