/**
 * Remembers tokens that passed verification, so a client sending the same token on every
 * request pays for one RSA signature check, not one per request. An entry lives at most
 * `maxAgeMs` (5 minutes) and never past the token's own expiry, and is dropped as soon as its
 * signing key leaves the tenant's key set (refreshed every 5 minutes), so a withdrawn key stops
 * being trusted within that time.
 *
 * Sized by memory, not by a small count: entries are keyed by the token's SHA-256 and keep the
 * verified claims without the token itself (each request brings its own), about 0.5 KB each, so
 * the default 16 MiB holds some 30,000 users. Hit rates are reported by `stats()`.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Clock } from '../../clock.ts';

function keyStillTrusted(info: Omit<AuthInfo, 'token'>): boolean {
  const { kid, keys } = (info.extra ?? {}) as { kid?: string; keys?: { knows(kid: string): boolean } };
  return !kid || !keys || keys.knows(kid);
}

export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

export function cachingVerifier(inner: OAuthTokenVerifier, clock: Clock, opts: { maxBytes?: number; maxAgeMs?: number } = {}): OAuthTokenVerifier & { stats(): CacheStats } {
  const maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
  const cache = new LRUCache<string, { info: Omit<AuthInfo, 'token'>; until: number }>({
    maxSize: opts.maxBytes ?? 16 * 1024 * 1024,
    // The key, the scopes and the user's strings, plus the objects around them.
    sizeCalculation: (v) => 256 + JSON.stringify(v.info.extra?.user ?? {}).length + v.info.scopes.join('').length + v.info.clientId.length,
  });
  let hits = 0;
  let misses = 0;
  return {
    async verifyAccessToken(token) {
      const now = clock.now();
      const key = createHash('sha256').update(token).digest('base64url');
      const hit = cache.get(key);
      if (hit && now < hit.until && keyStillTrusted(hit.info)) {
        hits++;
        return { ...hit.info, token };
      }
      misses++;
      const { token: _token, ...info } = await inner.verifyAccessToken(token);
      cache.set(key, { info, until: Math.min(now + maxAgeMs, (info.expiresAt ?? 0) * 1000) });
      return { ...info, token };
    },
    stats: () => ({ entries: cache.size, bytes: cache.calculatedSize, hits, misses }),
  };
}
