// Time-based scenario switches shared by ARM and Graph: propagation windows, latency, cancellable sleeps.
import type { Latency, Propagation } from '../types.ts';

const norm = (k: string): string => k.toLowerCase();

export class Timing {
  readonly propagation: Required<Propagation> = { graphMs: 0, principalMs: 0, secretMs: 0 };
  readonly #latency = new Map<string, number>();
  /** Latencies of keys that are not instantaneous by default (e.g. an ACR Tasks build). */
  readonly #defaults = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(defaults: Latency = {}) {
    for (const [k, v] of Object.entries(defaults)) this.#defaults.set(norm(k), v);
  }

  setPropagation(p: Propagation): void {
    for (const k of ['graphMs', 'principalMs', 'secretMs'] as const) {
      const v = p[k];
      if (v === undefined) continue;
      if (!Number.isInteger(v) || v < 0) throw new TypeError(`propagation.${k} must be a non-negative integer (ms)`);
      this.propagation[k] = v;
    }
  }

  /** Merge latencies keyed by ARM resource type (e.g. `Microsoft.App/managedEnvironments`) or `graph`; 0 makes a key instantaneous. */
  setLatency(l: Latency): void {
    for (const [k, v] of Object.entries(l)) {
      if (!Number.isInteger(v) || v < 0) throw new TypeError(`latency['${k}'] must be a non-negative integer (ms)`);
      if (v === 0 && !this.#defaults.has(norm(k))) this.#latency.delete(norm(k));
      else this.#latency.set(norm(k), v);
    }
  }

  latency(key: string): number {
    return this.#latency.get(norm(key)) ?? this.#defaults.get(norm(key)) ?? 0;
  }

  latencies(): Latency {
    return Object.fromEntries([...this.#defaults, ...this.#latency]);
  }

  /** Resolve after `ms` (immediately for 0). Pending sleeps are dropped by cancel(). */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.add(t);
    });
  }

  cancel(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
