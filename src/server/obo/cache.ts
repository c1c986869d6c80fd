/**
 * A bounded cache of downstream tokens keyed by a hash of the user's incoming token, the API and
 * the exact set of delegated permissions asked for (each tool gets a token for its own scopes only).
 * msal-node's own in-memory cache never evicts, so the server keeps msal's cache per exchange and
 * bounds this one by memory (lru-cache), with one in-flight exchange per key. Tokens are kept packed
 * (pack.ts: a 2.2 KB Graph token in ~0.8 KB), the most recently used few also as text, so a busy
 * user's calls do not unpack on every call. By default it may use 16% of the V8 heap
 * (MCP_OBO_CACHE_MB sets it): about 1.1 KB a token, so the image's 304 MiB heap holds some 44,000
 * tokens (20,000 users with a Graph and a DevOps token each). Hit rates are reported by `stats()`.
 */
import { hash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../clock.ts';
import { TokenPacker, type Packed } from './pack.ts';

/** The cache's default share of the heap: the rest stays for requests in flight and the other caches. */
export function defaultCacheBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.16);
}

/** Bytes an entry costs: the packed token, the key, the user, and the entry object and LRU bookkeeping around them. */
export function tokenEntryBytes(key: string, e: Packed & { user?: string }): number {
  return TokenPacker.size(e) + key.length + (e.user?.length ?? 0) + 180;
}

/** One object an entry: the packed token's fields and the entry's own. */
const DIGEST_CHARS = 32;

interface Entry extends Packed {
  /** Epoch seconds (a small integer, stored unboxed). */
  expiresSec: number;
  user: string | undefined;
}

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
  /** Tokens also kept unpacked, most recently used first. Default 256. */
  hot?: number;
}

export class OboTokenCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly hot: LRUCache<string, string>;
  private readonly packer = new TokenPacker();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  private readonly clock: Clock;
  private readonly refreshBeforeMs: number;

  constructor(opts: TokenCacheOptions) {
    this.clock = opts.clock;
    this.refreshBeforeMs = opts.refreshBeforeMs ?? 5 * 60_000;
    this.lru = new LRUCache<string, Entry>({
      maxSize: opts.maxBytes ?? defaultCacheBytes(),
      sizeCalculation: (v, k) => tokenEntryBytes(k, v),
      // An evicted token leaves the unpacked copies too.
      dispose: (_v, k) => this.hot.delete(k),
    });
    this.hot = new LRUCache<string, string>({ max: Math.max(1, opts.hot ?? 256) });
  }

  /**
   * `{sha256(assertion)}|{resource}|{scopes, sorted}`: the same user and API with another scope set is another token.
   * The digest is its 32 bytes as a one-byte string (not 43 base64url characters: there are 40,000 of them).
   */
  static key(assertion: string, resource: string, scopes: readonly string[] = []): string {
    return `${hash('sha256', assertion, 'binary')}|${encodeURIComponent(resource)}|${[...new Set(scopes)].sort().join(' ')}`;
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
      if (value.user === user && key.startsWith(part, DIGEST_CHARS)) {
        this.lru.delete(key);
        n++;
      }
    }
    return n;
  }

  private store(key: string, token: CachedToken): void {
    if (token.expiresOn - this.refreshBeforeMs <= this.clock.now()) return;
    // The API's part of the key: tokens of one API share a dictionary.
    const family = key.slice(DIGEST_CHARS + 1, key.indexOf('|', DIGEST_CHARS + 1));
    this.lru.set(key, { ...this.packer.pack(token.accessToken, family), expiresSec: Math.floor(token.expiresOn / 1000), user: token.user });
    this.hot.set(key, token.accessToken);
  }

  private fresh(key: string): CachedToken | undefined {
    const e = this.lru.get(key);
    if (!e) return undefined;
    const expiresOn = e.expiresSec * 1000;
    if (expiresOn - this.refreshBeforeMs <= this.clock.now()) {
      this.lru.delete(key);
      return undefined;
    }
    let accessToken = this.hot.get(key);
    if (accessToken === undefined) this.hot.set(key, (accessToken = TokenPacker.unpack(e)));
    return { accessToken, expiresOn, ...(e.user !== undefined ? { user: e.user } : {}) };
  }

  /** Stores a token obtained outside getOrLoad (a re-exchange after a claims challenge). */
  put(key: string, token: CachedToken): void {
    this.store(key, token);
  }

  /** The cached token, or the result of `load` (shared by concurrent callers of the same key). */
  async getOrLoad(key: string, load: () => Promise<CachedToken>): Promise<{ token: CachedToken; fromCache: boolean }> {
    const hit = this.fresh(key);
    if (hit) {
      this.hits++;
      return { token: hit, fromCache: true };
    }
    this.misses++;

    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const token = await pending;
    // Concurrent callers share one exchange: the first to get here stores it.
    if (!this.lru.has(key)) this.store(key, token);
    return { token, fromCache: false };
  }
}
