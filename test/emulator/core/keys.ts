// Token signing keys: rotation, the published JWKS, signing and signature verification.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { compactVerify, SignJWT, type JWTPayload } from 'jose';
import type { JwtAlg } from '../types.ts';

export interface SigningKey {
  kid: string;
  x5t: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  n: string;
  e: string;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export type SignatureCheck = 'ok' | 'alg' | 'kid' | 'signature';

export interface SignOptions {
  alg?: JwtAlg;
  /** Key to sign with (RS*); default: the current published key. */
  key?: SigningKey;
  kid?: string;
  /** Put x5t in the header (Entra v1 tokens carry both x5t and kid). */
  x5t?: boolean;
  header?: Record<string, unknown>;
  secret?: string;
}

// RSA keys are generated synchronously so that rotateKeys() can stay synchronous.
function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const thumb = createHash('sha1').update(der).digest('base64url');
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid: thumb, x5t: thumb, privateKey, publicKey, n: String(jwk.n), e: String(jwk.e) };
}

const b64json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export class KeyStore {
  readonly #published: SigningKey[] = [newKey()];
  #unknown: SigningKey | undefined;

  /** The key new tokens are signed with (last published). */
  get current(): SigningKey {
    return this.#published[this.#published.length - 1]!;
  }

  /** A key that is never published in the JWKS (created on first use). */
  get unknown(): SigningKey {
    this.#unknown ??= newKey();
    return this.#unknown;
  }

  /** A new key becomes current; the previous ones stay published. */
  rotate(): void {
    this.#published.push(newKey());
  }

  /** Only the current key stays published. */
  retire(): void {
    this.#published.splice(0, this.#published.length - 1);
  }

  kids(): string[] {
    return this.#published.map((k) => k.kid);
  }

  /** Entra-shaped JWKS; `issuer` is added to each key as on the v2 keys endpoint. */
  jwks(issuer?: string): { keys: Array<Record<string, unknown>> } {
    return {
      keys: this.#published.map((k) => ({ kty: 'RSA', use: 'sig', kid: k.kid, x5t: k.x5t, n: k.n, e: k.e, ...(issuer ? { issuer } : {}) })),
    };
  }

  async sign(payload: Record<string, unknown>, o: SignOptions = {}): Promise<string> {
    const alg = o.alg ?? 'RS256';
    const key = o.key ?? this.current;
    if (alg === 'none') {
      return `${b64json({ typ: 'JWT', alg: 'none', ...(o.kid ? { kid: o.kid } : {}), ...o.header })}.${b64json(payload)}.`;
    }
    if (alg === 'HS256') {
      if (!o.secret) throw new TypeError('alg HS256 needs a secret');
      const h = { typ: 'JWT', alg, ...(o.kid ? { kid: o.kid } : {}), ...o.header };
      return new SignJWT(payload as JWTPayload).setProtectedHeader(h as { alg: string }).sign(new TextEncoder().encode(o.secret));
    }
    const h = { typ: 'JWT', alg, ...(o.x5t ? { x5t: key.x5t } : {}), kid: o.kid ?? key.kid, ...o.header };
    return new SignJWT(payload as JWTPayload).setProtectedHeader(h as { alg: string }).sign(key.privateKey);
  }

  /** Verify that the token is RS256-signed by a key currently published in the JWKS. */
  async check(token: string): Promise<SignatureCheck> {
    const d = decodeJwt(token);
    if (!d) return 'signature';
    if (d.header.alg !== 'RS256') return 'alg';
    const kid = typeof d.header.kid === 'string' ? d.header.kid : typeof d.header.x5t === 'string' ? d.header.x5t : undefined;
    const key = this.#published.find((k) => k.kid === kid);
    if (!key) return 'kid';
    try {
      await compactVerify(token, key.publicKey, { algorithms: ['RS256'] });
      return 'ok';
    } catch {
      return 'signature';
    }
  }
}

/** Decode a compact JWS without verifying it; null when it is not a JWT with object header and payload. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObj(header) || !isObj(payload)) return null;
    return { header, payload };
  } catch {
    return null;
  }
}
