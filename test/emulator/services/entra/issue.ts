// Minting tokens: test user tokens (MintOptions), OBO access tokens, app tokens, MI tokens.
import { createHash, randomBytes } from 'node:crypto';
import type { EmulatorClock } from '../../core/clock.ts';
import { VSCODE_CLIENT_ID, type Directory, type Resource } from '../../core/directory.ts';
import type { KeyStore } from '../../core/keys.ts';
import type { Application, ManagedIdentity, MintOptions, User } from '../../types.ts';
import { AadError } from './errors.ts';
import { parseScope } from './scopes.ts';

export interface TokenEnv {
  dir: Directory;
  keys: KeyStore;
  lifetimeSec: number;
  clock: EmulatorClock;
  /** Signing keys of the other OIDC issuers the tenant's federated credentials may trust (GitHub Actions). */
  issuers: Map<string, KeyStore>;
}

const uti = (): string => randomBytes(16).toString('base64url').slice(0, 22);
const aio = (): string => randomBytes(48).toString('base64url');
/** Entra's `sub` is pairwise: stable per (principal, app), different from oid. */
const pairwise = (oid: string, appId: string): string => createHash('sha256').update(`${oid}|${appId}`).digest('base64url');

function times(env: TokenEnv, o: { iat?: number; nbf?: number; exp?: number } = {}): { iat: number; nbf: number; exp: number } {
  const iat = o.iat ?? env.clock.nowSec();
  return { iat, nbf: o.nbf ?? iat, exp: o.exp ?? iat + env.lifetimeSec };
}

export function resolveUser(dir: Directory, u: User | string | undefined): User {
  if (u === undefined) return dir.defaultUser;
  const oid = typeof u === 'string' ? u : u.oid;
  const found = dir.getUser(oid);
  if (!found) throw new RangeError(`user ${oid} not found in the emulated directory`);
  return found;
}

/** The app a fully qualified scope string names, its identifier as written and the short scope names. Throws RangeError. */
function scopeTarget(dir: Directory, scope: string): { app: Application; identifier: string; scp: string } {
  try {
    const req = parseScope(dir, scope, 'obo');
    if (!req.resource.app) throw new RangeError(`scope '${scope}' names ${req.resource.displayName}, not an application of the tenant`);
    return { app: req.resource.app, identifier: req.identifier.replace(/\/+$/, ''), scp: (req.isDefault ? req.resource.app.publishedScopes : req.names).join(' ') };
  } catch (e) {
    if (e instanceof AadError) throw new RangeError(e.message, { cause: e });
    throw e;
  }
}

/** A user access token for the server app (default: valid v2 token of the default user). */
export async function mintUserToken(env: TokenEnv, o: MintOptions = {}): Promise<string> {
  const { dir, keys } = env;
  const user = resolveUser(dir, o.user);
  const target = o.scope === undefined ? undefined : scopeTarget(dir, o.scope);
  const app = target?.app ?? dir.serverApp;
  const ver = o.ver ?? '2.0';
  const t = times(env, o);
  const scp = o.scp === undefined ? (target?.scp ?? 'access_as_user') : o.scp;
  const oid = o.oid === undefined ? user.oid : o.oid;
  const client = o.azp ?? VSCODE_CLIENT_ID;
  const claims: Record<string, unknown> =
    ver === '2.0'
      ? { aud: o.aud ?? app.clientId, iss: o.iss ?? dir.v2Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, aio: aio(), azp: client, azpacr: '0', name: user.displayName }
      : {
          aud: o.aud ?? target?.identifier ?? `api://${app.clientId}`, iss: o.iss ?? dir.v1Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, acr: '1', aio: aio(), amr: ['pwd'], appid: client, appidacr: '0',
          family_name: user.surname, given_name: user.givenName, name: user.displayName,
        };
  if (oid !== null) claims.oid = oid;
  if (ver === '2.0') claims.preferred_username = user.userPrincipalName;
  claims.rh = `0.${randomBytes(24).toString('base64url')}.`;
  if (o.roles) claims.roles = [...o.roles];
  if (scp !== null) claims.scp = scp;
  claims.sub = pairwise(oid ?? user.oid, app.clientId);
  claims.tid = o.tid ?? dir.tenantId;
  if (ver === '1.0') {
    claims.unique_name = user.userPrincipalName;
    claims.upn = user.userPrincipalName;
  }
  claims.uti = uti();
  claims.ver = ver;
  for (const [k, v] of Object.entries(o.extraClaims ?? {})) {
    if (v === null) delete claims[k];
    else claims[k] = v;
  }
  const key = o.signWith === 'unknown' ? keys.unknown : keys.current;
  const signOpts: Parameters<KeyStore['sign']>[1] = { alg: o.alg ?? 'RS256', key, x5t: ver === '1.0' };
  if (o.kid !== undefined) signOpts.kid = o.kid;
  if (o.header !== undefined) {
    // header.jwk === 'self' embeds the signing key's public JWK (embedded-key attack tests).
    signOpts.header = o.header.jwk === 'self' ? { ...o.header, jwk: { kty: 'RSA', n: key.n, e: key.e } } : o.header;
  }
  if (signOpts.alg === 'HS256') signOpts.secret = o.secret ?? app.secrets[0]!;
  return keys.sign(claims, signOpts);
}

/**
 * The optional claims Microsoft's own APIs get in user tokens (access-token-claims-reference: acct,
 * acrs, ipaddr, platf, puid, signin_state, tenant_region_scope, wids, xms_*), so tokens have their
 * real size (about 2.4 KB for Graph): memory measurements of the server's token caches depend on it.
 */
const MICROSOFT_API_EXTRAS = (oid: string): Record<string, unknown> => ({
  acct: 0, acrs: ['p1'], ipaddr: '203.0.113.7', platf: '3', puid: createHash('sha256').update(oid).digest('hex').slice(0, 16).toUpperCase(),
  signin_state: ['kmsi'], tenant_region_scope: 'NA', wids: ['b79fbf4d-3ef9-4689-8143-76b194e85509'],
  xms_ftd: randomBytes(110).toString('base64url'), xms_idrel: '1 20', xms_st: { sub: pairwise(oid, 'xms_st') }, xms_tcdt: 1_600_000_000, xms_tdbr: 'EU',
});

/** A delegated access token issued by OBO for `resource`, in the shape that resource accepts. */
export async function issueDelegated(
  env: TokenEnv,
  a: { app: Pick<Application, 'clientId' | 'displayName'>; user: User; resource: Resource; aud: string; scopes: string[]; appidacr: '0' | '1' | '2'; extra?: Record<string, unknown> },
): Promise<string> {
  const { dir } = env;
  const t = times(env);
  const extra = a.extra ?? {};
  const { app, user } = a;
  const scp = a.scopes.join(' ');
  if (a.resource.key === 'app') {
    // Custom APIs in this tenant accept v2 tokens (aud = the appId GUID).
    return env.keys.sign({
      aud: a.resource.appId, iss: dir.v2Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, aio: aio(), azp: app.clientId, azpacr: a.appidacr, name: user.displayName,
      oid: user.oid, preferred_username: user.userPrincipalName, rh: `0.${aio()}.`, scp, sub: pairwise(user.oid, a.resource.appId), tid: dir.tenantId, uti: uti(), ver: '2.0', ...extra,
    });
  }
  return env.keys.sign(
    {
      aud: a.aud, iss: dir.v1Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, acr: '1', aio: aio(), amr: ['pwd'], app_displayname: app.displayName, appid: app.clientId,
      appidacr: a.appidacr, azp: app.clientId, family_name: user.surname, given_name: user.givenName, idtyp: 'user', name: user.displayName, oid: user.oid,
      rh: `0.${aio()}.`, scp, sub: pairwise(user.oid, a.resource.appId), tid: dir.tenantId, unique_name: user.userPrincipalName, upn: user.userPrincipalName, uti: uti(), ver: '1.0',
      ...MICROSOFT_API_EXTRAS(user.oid), ...extra,
    },
    { x5t: true },
  );
}

/** An OpenID Connect ID token for a public client's sign-in (device code). */
export async function issueIdToken(env: TokenEnv, clientId: string, user: User): Promise<string> {
  const t = times(env);
  return env.keys.sign({
    aud: clientId, iss: env.dir.v2Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, name: user.displayName, oid: user.oid, preferred_username: user.userPrincipalName,
    rh: `0.${aio()}.`, sub: pairwise(user.oid, clientId), tid: env.dir.tenantId, uti: uti(), ver: '2.0',
  });
}

/** An app-only token (client_credentials). `roles` carries the app roles its service principal holds on the resource. */
export async function issueAppOnly(env: TokenEnv, a: { app: Application; resource: Resource; aud: string; appidacr: '1' | '2' }): Promise<string> {
  const { dir } = env;
  const t = times(env);
  const sp = a.app.spObjectId;
  const roles = dir.link?.appRoles(a.app, a.resource.appId) ?? [];
  const withRoles = (c: Record<string, unknown>): Record<string, unknown> => (roles.length > 0 ? { ...c, roles } : c);
  if (a.resource.key === 'app') {
    return env.keys.sign(withRoles({
      aud: a.resource.appId, iss: dir.v2Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, aio: aio(), azp: a.app.clientId, azpacr: a.appidacr, idtyp: 'app', oid: sp,
      rh: `0.${aio()}.`, sub: sp, tid: dir.tenantId, uti: uti(), ver: '2.0',
    }));
  }
  return env.keys.sign(
    withRoles({
      aud: a.aud, iss: dir.v1Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, aio: aio(), app_displayname: a.app.displayName, appid: a.app.clientId, appidacr: a.appidacr,
      azp: a.app.clientId, idp: dir.v1Issuer, idtyp: 'app', oid: sp, rh: `0.${aio()}.`, sub: sp, tid: dir.tenantId, uti: uti(), ver: '1.0',
    }),
    { x5t: true },
  );
}

/** A managed-identity token. For the token-exchange audience it is a v2 token (used as a FIC assertion). */
export async function issueManagedIdentity(env: TokenEnv, resource: string, identity?: ManagedIdentity): Promise<{ token: string; exp: number }> {
  const { dir } = env;
  const mi = identity ?? dir.managedIdentity;
  const t = times(env);
  const v2 = resource === dir.tokenExchangeAudience;
  const common = { aud: resource, iss: v2 ? dir.miIssuer : dir.v1Issuer, iat: t.iat, nbf: t.nbf, exp: t.exp, aio: aio() };
  const claims = v2
    ? { ...common, appid: mi.clientId, azp: mi.clientId, azpacr: '2', idtyp: 'app', oid: mi.principalId, rh: `0.${aio()}.`, sub: mi.principalId, tid: dir.tenantId, uti: uti(), ver: '2.0', xms_mirid: mi.resourceId }
    : { ...common, appid: mi.clientId, appidacr: '2', idp: dir.v1Issuer, idtyp: 'app', oid: mi.principalId, rh: `0.${aio()}.`, sub: mi.principalId, tid: dir.tenantId, uti: uti(), ver: '1.0', xms_mirid: mi.resourceId };
  return { token: await env.keys.sign(claims, { x5t: !v2 }), exp: t.exp };
}
