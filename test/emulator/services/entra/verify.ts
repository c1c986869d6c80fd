// Validation of bearer tokens presented to the emulated resource APIs (Graph, DevOps, later ARM).
import { type Ctx, header } from '../../core/http.ts';
import { decodeJwt } from '../../core/keys.ts';
import type { TokenEnv } from './issue.ts';

export type BearerResult =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; reason: string; kind: 'missing' | 'malformed' | 'signature' | 'issuer' | 'audience' | 'expired' | 'notyet' };

/** The bearer token of the request; `undefined` when there is no usable Bearer credential. */
export function bearerToken(ctx: Ctx): string | undefined {
  const h = header(ctx, 'authorization');
  if (h === undefined) return undefined;
  const m = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(h);
  return m?.[1];
}

export function audList(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

const norm = (s: string): string => s.replace(/\/+$/, '').toLowerCase();

/**
 * Validate an emulator-issued token the way a resource API does: RS256 by a published key, an issuer
 * of this tenant (v1 or v2), one of `audiences`, and inside its lifetime (no clock skew allowed).
 */
export async function verifyBearer(env: TokenEnv, token: string | undefined, audiences: string[]): Promise<BearerResult> {
  if (!token) return { ok: false, kind: 'missing', reason: 'Access token is empty.' };
  const d = decodeJwt(token);
  if (!d) return { ok: false, kind: 'malformed', reason: 'IDX14100: JWT is not well formed, there are no dots (.).' };
  const sig = await env.keys.check(token);
  if (sig !== 'ok') {
    const why = sig === 'alg' ? `the algorithm '${String(d.header.alg)}' is not supported` : sig === 'kid' ? 'the signing key was not found' : 'the signature is invalid';
    return { ok: false, kind: 'signature', reason: `Access token validation failure: ${why}.` };
  }
  const c = d.payload;
  const { dir } = env;
  if ((c.iss !== dir.v1Issuer && c.iss !== dir.v2Issuer) || c.tid !== dir.tenantId) {
    return { ok: false, kind: 'issuer', reason: 'Access token validation failure. Invalid issuer.' };
  }
  const want = new Set(audiences.map(norm));
  if (!audList(c.aud).some((a) => want.has(norm(a)))) return { ok: false, kind: 'audience', reason: 'Access token validation failure. Invalid audience.' };
  const now = env.clock.nowSec();
  if (typeof c.exp !== 'number' || c.exp <= now) return { ok: false, kind: 'expired', reason: 'Lifetime validation failed, the token is expired.' };
  if (typeof c.nbf === 'number' && c.nbf > now) return { ok: false, kind: 'notyet', reason: 'Lifetime validation failed, the token is not yet valid.' };
  return { ok: true, claims: c };
}

/** Space-separated `scp` claim as a list (empty for app-only tokens). */
export function scopesOf(claims: Record<string, unknown>): string[] {
  return typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
}
