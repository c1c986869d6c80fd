/**
 * The local identity platform's signing key: one RS256 key made at start (nothing to keep or
 * leak), published as a JWKS, used for every token it issues and checked by its resource APIs.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  jwks(): { keys: JWK[] };
  sign(claims: JWTPayload, lifetimeSec: number): Promise<string>;
  /** The claims of a token this key signed and that has not expired; undefined otherwise. */
  verify(token: string, audiences: readonly string[], issuers: readonly string[]): Promise<JWTPayload | undefined>;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  return {
    kid,
    jwks: () => ({ keys: [jwk] }),
    async sign(claims, lifetimeSec) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iat: now, nbf: now, exp: now + lifetimeSec, ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey as CryptoKey);
    },
    async verify(token, audiences, issuers) {
      try {
        const { payload } = await jwtVerify(token, publicKey as CryptoKey, { algorithms: ['RS256'], audience: [...audiences], issuer: [...issuers] });
        return payload;
      } catch {
        return undefined;
      }
    },
  };
}
