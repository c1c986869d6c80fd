/**
 * Remembers tokens that passed verification, so a client sending the same token on every
 * request pays for one RSA signature check, not one per request. An entry lives at most
 * `maxAgeMs` (5 minutes) and never past the token's own expiry, and is dropped as soon as its
 * signing key leaves the tenant's key set (refreshed every 5 minutes), so a withdrawn key stops
 * being trusted within that time.
 *
 * Sized by memory, not by a small count: an entry is keyed by the token's SHA-256 and keeps only
 * what differs per user (object id, name, user name, expiry); the values every user shares (tenant,
 * client app, scopes, key id, the resource URL) are kept once and referenced. That is about 400
 * bytes a user (`entryBytes`), so the default budget (3% of the V8 heap, 9 MiB with the image's
 * settings) holds some 23,000 users. Hit rates are reported by `stats()`.
 */
import { hash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { LRUCache } from 'lru-cache';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Clock } from '../../clock.ts';
import type { UserClaims } from './verifier.ts';

export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

/** The default budget: a small share of the heap (the OBO cache, the larger one, takes its own share). */
export function defaultVerifiedCacheBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.03);
}

interface KeyRef {
  knows(kid: string): boolean;
}

/** What every user's entry shares: interned once, so 20,000 entries hold 20,000 pointers, not copies. */
interface Shared {
  clientId: string;
  scopes: string[];
  resource: URL | undefined;
  kid: string | undefined;
  keys: KeyRef | undefined;
}

interface Entry {
  shared: Shared;
  oid: string;
  tid: string;
  name: string | undefined;
  preferredUsername: string | undefined;
  /** Seconds (small integers, stored unboxed). */
  expiresAt: number | undefined;
  untilSec: number;
}

/** Bytes an entry costs: its key and own strings (one byte a character), plus the entry object and the LRU's bookkeeping. */
export function entryBytes(key: string, e: Pick<Entry, 'oid' | 'name' | 'preferredUsername'>): number {
  return 200 + key.length + e.oid.length + (e.name?.length ?? 0) + (e.preferredUsername?.length ?? 0);
}

export class VerifiedTokenCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly shared = new Map<string, Shared>();
  private hits = 0;
  private misses = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, Entry>({ maxSize: maxBytes, sizeCalculation: (v, k) => entryBytes(k, v) });
  }

  /** The token's SHA-256 as a one-byte string of 32 characters (not 43 base64url ones: there are thousands). */
  static key(token: string): string {
    return hash('sha256', token, 'binary');
  }

  /** The verification remembered for this token, if still valid now (epoch ms). */
  get(key: string, token: string, nowMs: number): AuthInfo | undefined {
    const e = this.lru.get(key);
    if (e && nowMs < e.untilSec * 1000 && (!e.shared.kid || !e.shared.keys || e.shared.keys.knows(e.shared.kid))) {
      this.hits++;
      return this.expand(e, token);
    }
    this.misses++;
    return undefined;
  }

  set(key: string, info: AuthInfo, untilMs: number): void {
    const extra = (info.extra ?? {}) as { user?: UserClaims; kid?: string; keys?: KeyRef };
    const user = extra.user;
    if (!user) return; // not a verification of ours: nothing to remember it by
    const shared = this.intern({ clientId: info.clientId, scopes: info.scopes, resource: info.resource, kid: extra.kid, keys: extra.keys });
    this.lru.set(key, {
      shared,
      oid: user.oid,
      // One tenant for every user of a single-tenant app: the shared string, not a copy per token.
      tid: this.internString(user.tid),
      name: user.name,
      preferredUsername: user.preferredUsername,
      expiresAt: info.expiresAt,
      untilSec: Math.floor(untilMs / 1000),
    });
  }

  stats(): CacheStats {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize, hits: this.hits, misses: this.misses };
  }

  get size(): number {
    return this.lru.size;
  }

  private expand(e: Entry, token: string): AuthInfo {
    const user: UserClaims = { oid: e.oid, tid: e.tid, name: e.name, preferredUsername: e.preferredUsername };
    return {
      token,
      clientId: e.shared.clientId,
      scopes: e.shared.scopes,
      expiresAt: e.expiresAt,
      resource: e.shared.resource,
      extra: { user, kid: e.shared.kid, keys: e.shared.keys },
    };
  }

  private readonly strings = new Map<string, string>();
  private internString(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size < 64) this.strings.set(s, s);
    return s;
  }

  private intern(s: Shared): Shared {
    const id = `${s.clientId}\n${s.scopes.join(' ')}\n${s.resource?.href ?? ''}\n${s.kid ?? ''}`;
    const known = this.shared.get(id);
    if (known && known.keys === s.keys) return known;
    // A handful in practice (clients x scope sets x signing keys); bounded anyway, past that entries keep their own.
    if (this.shared.size < 256) this.shared.set(id, s);
    return s;
  }
}

export function cachingVerifier(inner: OAuthTokenVerifier, clock: Clock, opts: { maxBytes?: number; maxAgeMs?: number } = {}): OAuthTokenVerifier & { stats(): CacheStats } {
  const maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
  const cache = new VerifiedTokenCache(opts.maxBytes ?? defaultVerifiedCacheBytes());
  return {
    async verifyAccessToken(token) {
      const now = clock.now();
      const key = VerifiedTokenCache.key(token);
      const hit = cache.get(key, token, now);
      if (hit) return hit;
      const info = await inner.verifyAccessToken(token);
      cache.set(key, info, Math.min(now + maxAgeMs, (info.expiresAt ?? 0) * 1000));
      return info;
    },
    stats: () => cache.stats(),
  };
}
