/**
 * Sealed values: everything the authorization facade hands out (client ids, consent requests,
 * the transaction in Entra's `state`, codes, refresh tokens, the approval cookie) is an
 * authenticated-encrypted record instead of a row in a store, so any replica that holds the key
 * accepts it and the server keeps nothing between requests.
 *
 * jose's compact JWE (`dir` + A256GCM) does the encryption, the expiry and the key selection.
 * Each purpose gets its own key derived from the facade key with HKDF, so a value sealed for one
 * purpose (say a client id) can never be accepted as another (a code). `kid` names the facade key
 * that sealed it: the current key seals, the previous one (rotation) still opens.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, errors, type JWTPayload } from 'jose';

export type SealPurpose = 'client' | 'consent' | 'txn' | 'code' | 'refresh' | 'approval';

export class UnsealError extends Error {
  /** Why the value was refused; never contains the value itself. */
  readonly reason: 'malformed' | 'unknown_key' | 'tampered' | 'expired' | 'wrong_purpose';
  constructor(reason: UnsealError['reason']) {
    super(`sealed value refused: ${reason}`);
    this.name = 'UnsealError';
    this.reason = reason;
  }
}

interface Key {
  kid: string;
  derived: Map<SealPurpose, Uint8Array>;
  master: Buffer;
}

export interface Sealer {
  seal(purpose: SealPurpose, payload: Record<string, unknown>, ttlSeconds?: number): Promise<string>;
  /** The payload, or UnsealError (tampered, expired, sealed for another purpose or with an unknown key). */
  unseal<T extends Record<string, unknown>>(purpose: SealPurpose, sealed: string): Promise<T>;
}

const ISSUER = 'mcp-obo-facade';

function keyOf(master: Buffer): Key {
  return { master, kid: createHash('sha256').update(master).digest('base64url').slice(0, 12), derived: new Map() };
}

function derive(key: Key, purpose: SealPurpose): Uint8Array {
  let k = key.derived.get(purpose);
  if (!k) {
    k = new Uint8Array(hkdfSync('sha256', key.master, Buffer.alloc(0), `mcp-obo facade ${purpose} v1`, 32));
    key.derived.set(purpose, k);
  }
  return k;
}

/** `current` and `previous` are 32-byte keys (validated by the configuration). */
export function createSealer(current: Buffer, previous?: Buffer, now: () => number = Date.now): Sealer {
  const keys = [keyOf(current), ...(previous ? [keyOf(previous)] : [])];
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  const sealing = keys[0]!;
  return {
    async seal(purpose, payload, ttlSeconds) {
      const nowSec = Math.floor(now() / 1000);
      const jwt = new EncryptJWT(payload as JWTPayload).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: sealing.kid, typ: purpose }).setIssuer(ISSUER).setIssuedAt(nowSec);
      if (ttlSeconds !== undefined) jwt.setExpirationTime(nowSec + ttlSeconds);
      return jwt.encrypt(derive(sealing, purpose));
    },
    async unseal<T extends Record<string, unknown>>(purpose: SealPurpose, sealed: string): Promise<T> {
      if (typeof sealed !== 'string' || sealed.length > 16_384 || sealed.split('.').length !== 5) throw new UnsealError('malformed');
      let typ: unknown;
      try {
        const { payload } = await jwtDecrypt(
          sealed,
          (header) => {
            typ = header.typ;
            const key = typeof header.kid === 'string' ? byKid.get(header.kid) : undefined;
            if (!key) throw new UnsealError('unknown_key');
            // The header is authenticated as the AAD, so a changed typ also fails decryption.
            return derive(key, purpose);
          },
          { issuer: ISSUER, currentDate: new Date(now()), keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] },
        );
        if (typ !== purpose) throw new UnsealError('wrong_purpose');
        return payload as T;
      } catch (err) {
        if (err instanceof UnsealError) throw err;
        if (err instanceof errors.JWTExpired) throw new UnsealError('expired');
        if (typ !== undefined && typ !== purpose) throw new UnsealError('wrong_purpose');
        if (err instanceof errors.JWEDecryptionFailed) throw new UnsealError('tampered');
        throw new UnsealError('malformed');
      }
    },
  };
}

