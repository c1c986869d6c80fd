/**
 * The tenant's signing keys, cached. jose's createRemoteJWKSet fails every verification once its
 * cache is stale and the JWKS endpoint is down, and retries a failing endpoint on every unknown
 * `kid`; this store keeps serving the last good key set during an outage (refreshing in the
 * background) and allows at most one refresh attempt per cooldown, whatever the traffic.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTHeaderParameters, type FlattenedJWSInput } from 'jose';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../logger.ts';

export class KeysUnavailableError extends Error {}

export interface KeyStoreOptions {
  /** Resolves the JWKS URL (from OIDC discovery). */
  jwksUri: () => Promise<string>;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  /**
   * Keys older than this are refreshed in the background. Default 5 min: a key Entra withdraws
   * stops verifying tokens (and cached verifications) within about that time.
   */
  maxAgeMs?: number;
  /** Minimum time between two refresh attempts (unknown kid or failure). Default 60 s. */
  cooldownMs?: number;
  timeoutMs?: number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

export class KeyStore {
  private local: LocalSet | undefined;
  private kids = new Set<string>();
  private loadedAt = -Infinity;
  private lastAttempt = -Infinity;
  private inflight: Promise<void> | undefined;
  private readonly opts: Required<Omit<KeyStoreOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(opts: KeyStoreOptions) {
    this.opts = { maxAgeMs: 300_000, cooldownMs: 60_000, timeoutMs: 5000, fetch: opts.fetch ?? fetch, ...opts } as typeof this.opts;
  }

  /** A jose key resolver: `jwtVerify(token, store.getKey, ...)`. */
  readonly getKey = async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    if (!this.local) await this.refresh();
    else if (this.opts.clock.now() - this.loadedAt > this.opts.maxAgeMs && this.mayAttempt()) {
      void this.refresh().catch(() => {}); // stale-while-revalidate; failures are logged in refresh
    }
    const local = this.local;
    if (!local) throw new KeysUnavailableError('signing keys are unavailable');
    try {
      return await local(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || !this.mayAttempt()) throw err;
      await this.refresh().catch(() => {});
      const refreshed = this.local ?? local;
      return refreshed(header, token);
    }
  };

  /**
   * Whether a key id is still in the tenant's key set (for verifications remembered by the cache);
   * a stale set is refreshed in the background, as on a verification.
   */
  knows(kid: string): boolean {
    if (this.opts.clock.now() - this.loadedAt > this.opts.maxAgeMs && this.mayAttempt()) void this.refresh().catch(() => {});
    return this.kids.has(kid);
  }

  private mayAttempt(): boolean {
    return this.inflight !== undefined || this.opts.clock.now() - this.lastAttempt >= this.opts.cooldownMs;
  }

  /** Loads the key set; shares one in-flight fetch. Throws only when no keys were ever loaded. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<void> {
    this.lastAttempt = this.opts.clock.now();
    try {
      const url = await this.opts.jwksUri();
      const res = await this.opts.fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(this.opts.timeoutMs) });
      if (res.status !== 200) throw new Error(`JWKS endpoint answered ${res.status}`);
      const jwks = (await res.json()) as JSONWebKeySet;
      this.local = createLocalJWKSet(jwks);
      this.kids = new Set((jwks.keys ?? []).map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
      this.loadedAt = this.opts.clock.now();
      this.opts.logger.debug('jwks.loaded', { keys: jwks.keys?.length ?? 0 });
    } catch (err) {
      this.opts.logger.warn('jwks.refresh_failed', { error: (err as Error).message, cachedKeys: this.local !== undefined });
      if (!this.local) throw new KeysUnavailableError(`signing keys could not be loaded: ${(err as Error).message}`, { cause: err });
    }
  }
}
