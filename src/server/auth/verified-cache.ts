/**
 * Remembers tokens that passed verification, so a client sending the same token on every
 * request pays for one RSA signature check, not one per request. Keyed by the exact token;
 * an entry lives at most `maxAgeMs` (so a key withdrawn from the JWKS stops being trusted within
 * that time) and never past the token's own expiry. Bounded in entries.
 */
import { LRUCache } from 'lru-cache';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Clock } from '../../clock.ts';

export function cachingVerifier(inner: OAuthTokenVerifier, clock: Clock, opts: { maxEntries?: number; maxAgeMs?: number } = {}): OAuthTokenVerifier {
  const maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
  const cache = new LRUCache<string, { info: AuthInfo; until: number }>({ max: opts.maxEntries ?? 2000 });
  return {
    async verifyAccessToken(token) {
      const now = clock.now();
      const hit = cache.get(token);
      if (hit && now < hit.until) return hit.info;
      const info = await inner.verifyAccessToken(token);
      cache.set(token, { info, until: Math.min(now + maxAgeMs, (info.expiresAt ?? 0) * 1000) });
      return info;
    },
  };
}
