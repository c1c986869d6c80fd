/**
 * Access-token validation for the MCP SDK's requireBearerAuth: RS256 only, keys from the tenant's
 * JWKS, exact issuer (v2 or v1), audience, tenant, lifetime, age and scope. Every failure becomes
 * an InvalidTokenError with a message that is safe to return (it never echoes the token). `exp` is strict; `nbf` and `iat` allow clock skew.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Clock } from '../../clock.ts';
import { KeysUnavailableError, type KeyStore } from './keystore.ts';

/** One accepted issuer and the keys that sign its tokens. */
export interface TrustedIssuer {
  /** Resolves the exact issuer string (from OIDC discovery). */
  issuer: () => Promise<string>;
  /** The token version this issuer emits ('2.0' or '1.0'). */
  version: '2.0' | '1.0';
  keys: KeyStore;
}

export interface VerifierOptions {
  tenantId: string;
  clientId: string;
  /** Canonical MCP resource URL (reported as AuthInfo.resource). */
  resource: string;
  /** The canonical URL when it is also an identifier URI of the app: an accepted audience and scope prefix. */
  identifierUri?: string;
  issuers: TrustedIssuer[];
  maxTokenAgeSeconds: number;
  clock: Clock;
  /** Allowed clock skew for exp, nbf and iat. Default 300 s. */
  clockToleranceSeconds?: number;
  /** Client apps (azp / appid) whose tokens are accepted; undefined accepts any client of the tenant. The server's own app (the facade) is always accepted. */
  allowedClients?: readonly string[];
}

/** The parts of a verified token the server uses. */
export interface UserClaims {
  oid: string;
  tid: string;
  name?: string;
  preferredUsername?: string;
}

const EMBEDDED_KEY_PARAMS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

export function createVerifier(opts: VerifierOptions): OAuthTokenVerifier {
  const allowedClients = opts.allowedClients ? new Set([...opts.allowedClients, opts.clientId].map((c) => c.toLowerCase())) : undefined;
  // Exactly the audiences Entra puts in tokens for this app: its client id (v2), or the identifier URI the client used (v1).
  const audiences = [opts.clientId, `api://${opts.clientId}`, ...(opts.identifierUri ? [opts.identifierUri] : [])];
  const scopePrefixes = [`api://${opts.clientId}/`, ...(opts.identifierUri ? [`${opts.identifierUri}/`] : [])];
  const tolerance = opts.clockToleranceSeconds ?? 300;
  // One URL for every verification (the cache keeps verifications of thousands of users).
  const resource = new URL(opts.resource);

  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const { header, payload } = decodeUnverified(token);
      if (header.alg !== 'RS256') throw new InvalidTokenError('Token must be signed with RS256');
      if (EMBEDDED_KEY_PARAMS.some((p) => p in header)) throw new InvalidTokenError('Token header must not carry its own key');
      if (typeof header.kid !== 'string') throw new InvalidTokenError('Token header has no key id');

      const trusted = await findIssuer(opts.issuers, payload.iss);
      if (!trusted) throw new InvalidTokenError('Token was not issued by this tenant');

      let verified: JWTPayload;
      try {
        ({ payload: verified } = await jwtVerify(token, trusted.keys.getKey, {
          algorithms: ['RS256'],
          issuer: trusted.name,
          audience: audiences,
          clockTolerance: tolerance,
          maxTokenAge: opts.maxTokenAgeSeconds,
          requiredClaims: ['exp', 'iat', 'tid', 'oid'],
          currentDate: new Date(opts.clock.now()),
        }));
      } catch (err) {
        throw mapJoseError(err);
      }

      // jose applied the skew to exp too; an expired token is refused without grace.
      if (typeof verified.exp !== 'number' || verified.exp * 1000 <= opts.clock.now()) throw new InvalidTokenError('Token has expired');
      if (verified.ver !== trusted.version) throw new InvalidTokenError('Token version does not match its issuer');
      if (verified.tid !== opts.tenantId) throw new InvalidTokenError('Token was not issued by this tenant');
      if (typeof verified.oid !== 'string' || !verified.oid) throw new InvalidTokenError('Token has no user object id');
      // Entra issues exactly one audience; a list could smuggle ours in beside another.
      if (Array.isArray(verified.aud)) throw new InvalidTokenError('Token must have exactly one audience');
      // The server acts on behalf of a user: app-only tokens (no scp, or idtyp=app) are not for it.
      if (verified.idtyp === 'app') throw new InvalidTokenError('App-only tokens are not accepted: sign in as a user');
      const scp = typeof verified.scp === 'string' ? verified.scp.split(' ').filter(Boolean) : [];
      if (scp.length === 0) throw new InvalidTokenError('Token has no delegated scopes (scp): sign in as a user');
      const client = str(verified.azp) ?? str(verified.appid);
      if (allowedClients && (!client || !allowedClients.has(client.toLowerCase()))) throw new InvalidTokenError('Token was issued to a client app this server does not accept');

      const user: UserClaims = {
        oid: verified.oid,
        tid: verified.tid,
        name: typeof verified.name === 'string' ? verified.name : undefined,
        preferredUsername: str(verified.preferred_username) ?? str(verified.upn),
      };
      return {
        token,
        clientId: client ?? 'unknown',
        scopes: scp.flatMap((s) => scopePrefixes.map((p) => p + s)),
        expiresAt: verified.exp,
        resource,
        // The signing key, so a cached verification ends when Entra withdraws that key.
        extra: { user, kid: header.kid, keys: trusted.keys },
      };
    },
  };
}

function decodeUnverified(token: string) {
  if (token.length > 16_384) throw new InvalidTokenError('Token is too large');
  try {
    return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
  } catch {
    throw new InvalidTokenError('Token is not a well-formed JWT');
  }
}

async function findIssuer(issuers: TrustedIssuer[], iss: unknown): Promise<(TrustedIssuer & { name: string }) | undefined> {
  if (typeof iss !== 'string') return undefined;
  for (const candidate of issuers) {
    let name: string;
    try {
      name = await candidate.issuer();
    } catch {
      continue; // that issuer's discovery is down; another may still match
    }
    if (name === iss) return { ...candidate, name };
  }
  return undefined;
}

function mapJoseError(err: unknown): Error {
  if (err instanceof KeysUnavailableError) return new ServerError('Token signing keys are unavailable; try again shortly');
  if (err instanceof errors.JWTExpired) return new InvalidTokenError(err.claim === 'iat' ? 'Token is too old' : 'Token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) return new InvalidTokenError(`Token claim ${err.claim} is invalid`);
  if (err instanceof errors.JWSSignatureVerificationFailed) return new InvalidTokenError('Token signature is invalid');
  if (err instanceof errors.JWKSNoMatchingKey) return new InvalidTokenError('Token signing key is not known');
  if (err instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError('Token must be signed with RS256');
  if (err instanceof errors.JOSEError) return new InvalidTokenError('Token is invalid');
  return new ServerError('Token validation failed');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}
