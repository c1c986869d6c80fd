/**
 * Retrying what Azure and Entra answer while they catch up with themselves: throttling (429 with
 * Retry-After), 5xx, and propagation errors right after a create. Exponential backoff with
 * jitter, bounded by attempts and a deadline; no fixed sleeps.
 */
import type { Clock } from '../clock.ts';

export interface RetryOptions {
  clock: Clock;
  /** Decides whether an error is worth another try, may name a wait (Retry-After) and a lower attempt limit for its kind. */
  classify: (err: unknown) => { retry: boolean; afterMs?: number; reason?: string; limit?: number };
  maxAttempts: number;
  baseMs: number;
  maxDelayMs: number;
  /** Give up once this much time has passed, whatever the attempt count. */
  deadlineMs: number;
  onRetry?: (attempt: number, waitMs: number, reason: string) => void;
  random?: () => number;
}

export async function retry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const started = opts.clock.now();
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const verdict = opts.classify(err);
      const elapsed = opts.clock.now() - started;
      if (!verdict.retry || attempt >= Math.min(opts.maxAttempts, verdict.limit ?? Infinity)) throw err;
      const backoff = Math.min(opts.maxDelayMs, opts.baseMs * 2 ** (attempt - 1));
      const wait = Math.max(verdict.afterMs ?? 0, Math.round(backoff / 2 + (random() * backoff) / 2));
      if (elapsed + wait > opts.deadlineMs) throw err;
      opts.onRetry?.(attempt, wait, verdict.reason ?? 'transient error');
      await opts.clock.sleep(wait);
    }
  }
}
