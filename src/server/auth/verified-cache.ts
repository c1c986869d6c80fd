/**
 * Remembers tokens that passed verification, so a client sending the same token on every
 * request pays for one RSA signature check, not one per request. Keyed by the exact token; an
 * entry lives at most `maxAgeMs` (5 minutes) and never past the token's own expiry, and is dropped
 * as soon as its signing key leaves the tenant's key set (which is refreshed every 5 minutes), so
 * a withdrawn key stops being trusted within that time. Bounded in entries.
 */
import { LRUCache } from 'lru-cache';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Clock } from '../../clock.ts';

function keyStillTrusted(info: AuthInfo): boolean {
  const { kid, keys } = (info.extra ?? {}) as { kid?: string; keys?: { knows(kid: string): boolean } };
  return !kid || !keys || keys.knows(kid);
}

export function cachingVerifier(inner: OAuthTokenVerifier, clock: Clock, opts: { maxEntries?: number; maxAgeMs?: number } = {}): OAuthTokenVerifier {
  const maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
  const cache = new LRUCache<string, { info: AuthInfo; until: number }>({ max: opts.maxEntries ?? 2000 });
  return {
    async verifyAccessToken(token) {
      const now = clock.now();
      const hit = cache.get(token);
      if (hit && now < hit.until && keyStillTrusted(hit.info)) return hit.info;
      const info = await inner.verifyAccessToken(token);
      cache.set(token, { info, until: Math.min(now + maxAgeMs, (info.expiresAt ?? 0) * 1000) });
      return info;
    },
  };
}
