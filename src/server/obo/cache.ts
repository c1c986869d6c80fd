/**
 * A bounded cache of downstream tokens keyed by a hash of the user's incoming token, the API and
 * the exact set of delegated permissions asked for (each tool gets a token for its own scopes only).
 * msal-node's own in-memory cache never evicts, so the server keeps msal's cache per request and
 * bounds this one by memory (lru-cache), with one in-flight exchange per key. By default it may
 * use 35% of the V8 heap (MCP_OBO_CACHE_MB sets it): a real Graph or DevOps token is about 2.5 KB,
 * so the image's 192 MiB heap holds some 24,000 tokens, and a larger container holds more. Hit
 * rates are reported by `stats()`.
 */
import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';

/** The cache's default share of the heap: the rest stays for requests in flight and the caches' objects. */
export function defaultCacheBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.35);
}
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../clock.ts';

export interface CachedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresOn: number;
  /** The user it was issued for (`tid/oid`), so a claims challenge can drop every token of theirs. */
  user?: string;
}

export interface TokenCacheOptions {
  clock: Clock;
  maxBytes?: number;
  /** Entries are treated as expired this long before the token really expires. Default 5 min. */
  refreshBeforeMs?: number;
}

export class OboTokenCache {
  private readonly lru: LRUCache<string, CachedToken>;
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  private readonly clock: Clock;
  private readonly refreshBeforeMs: number;

  constructor(opts: TokenCacheOptions) {
    this.clock = opts.clock;
    this.refreshBeforeMs = opts.refreshBeforeMs ?? 5 * 60_000;
    this.lru = new LRUCache<string, CachedToken>({
      maxSize: opts.maxBytes ?? defaultCacheBytes(),
      // Tokens and keys are ASCII (one byte per character in V8), plus the entry's objects.
      sizeCalculation: (v, k) => v.accessToken.length + k.length + (v.user?.length ?? 0) + 160,
    });
  }

  /** `{sha256(assertion)}|{resource}|{scopes, sorted}`: the same user and API with another scope set is another token. */
  static key(assertion: string, resource: string, scopes: readonly string[] = []): string {
    return `${createHash('sha256').update(assertion).digest('base64url')}|${encodeURIComponent(resource)}|${[...new Set(scopes)].sort().join(' ')}`;
  }

  get size(): number {
    return this.lru.size;
  }

  private hits = 0;
  private misses = 0;

  stats(): { entries: number; bytes: number; hits: number; misses: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize, hits: this.hits, misses: this.misses };
  }

  /**
   * Forgets every token of a user for an API, whatever its scopes: after a claims challenge
   * (Continuous Access Evaluation) none of them may be served again.
   */
  evictUser(user: string, resource: string): number {
    let n = 0;
    const part = `|${encodeURIComponent(resource)}|`;
    for (const [key, value] of this.lru.entries()) {
      if (value.user === user && key.includes(part)) {
        this.lru.delete(key);
        n++;
      }
    }
    return n;
  }

  /** Stores a token obtained outside getOrLoad (a re-exchange after a claims challenge). */
  put(key: string, token: CachedToken): void {
    if (token.expiresOn - this.refreshBeforeMs > this.clock.now()) this.lru.set(key, token);
  }

  /** The cached token, or the result of `load` (shared by concurrent callers of the same key). */
  async getOrLoad(key: string, load: () => Promise<CachedToken>): Promise<{ token: CachedToken; fromCache: boolean }> {
    const hit = this.lru.get(key);
    if (hit && hit.expiresOn - this.refreshBeforeMs > this.clock.now()) {
      this.hits++;
      return { token: hit, fromCache: true };
    }
    this.misses++;
    if (hit) this.lru.delete(key);

    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const token = await pending;
    if (token.expiresOn - this.refreshBeforeMs > this.clock.now()) this.lru.set(key, token);
    return { token, fromCache: false };
  }
}
