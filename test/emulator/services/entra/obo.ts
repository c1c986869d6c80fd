// The On-Behalf-Of grant (urn:ietf:params:oauth:grant-type:jwt-bearer, requested_token_use=on_behalf_of).
import { guid } from '../../core/http.ts';
import { decodeJwt } from '../../core/keys.ts';
import type { Application, User } from '../../types.ts';
import type { AuthenticatedClient } from './clientAuth.ts';
import { aad, invalidAssertion, malformed, missingParam } from './errors.ts';
import { issueDelegated, type TokenEnv } from './issue.ts';
import type { ScopeRequest } from './scopes.ts';
import { audList } from './verify.ts';

export interface TokenResponse {
  token_type: 'Bearer';
  scope?: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

const iso = (s: number): string => new Date(s * 1000).toISOString();
const norm = (s: string): string => s.replace(/\/+$/, '').toLowerCase();

/** Check the OBO-specific parameters before client authentication. Throws AadError. */
export function checkOboParams(form: URLSearchParams): { assertion: string } {
  const rtu = form.get('requested_token_use');
  if (rtu === null) throw missingParam('requested_token_use');
  if (rtu !== 'on_behalf_of') throw malformed(`requested_token_use '${rtu}' is not supported with the jwt-bearer grant.`);
  const assertion = form.get('assertion');
  if (assertion === null || assertion === '') throw missingParam('assertion');
  return { assertion };
}

/** Validate the incoming user token as Entra does for OBO; returns the user. Throws AadError. */
async function validateAssertion(env: TokenEnv, app: Application, assertion: string): Promise<User> {
  const { dir } = env;
  const d = decodeJwt(assertion);
  if (!d) throw invalidAssertion('Assertion failed signature validation. [Reason - The provided value is not a valid JWT.]');
  const sig = await env.keys.check(assertion);
  if (sig === 'alg') throw invalidAssertion(`Assertion failed signature validation. [Reason - The algorithm '${String(d.header.alg)}' is not supported.]`);
  if (sig === 'kid') throw invalidAssertion(`Assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${String(d.header.kid ?? d.header.x5t ?? '')}']`);
  if (sig !== 'ok') throw invalidAssertion('Assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]');
  const c = d.payload;
  if ((c.iss !== dir.v1Issuer && c.iss !== dir.v2Issuer) || c.tid !== dir.tenantId) {
    throw invalidAssertion(`Assertion is not issued by a trusted issuer of this tenant. Issuer: '${String(c.iss)}'.`);
  }
  const accepted = new Set([app.clientId, ...app.identifierUris].map(norm));
  const auds = audList(c.aud);
  if (!auds.some((a) => accepted.has(norm(a)))) {
    throw invalidAssertion(`Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${auds.join(',')}' and the expected audience is '${app.clientId}' or one of the Application Id URIs of this application with App ID '${app.clientId}'(${app.displayName}).`);
  }
  const now = env.clock.nowSec();
  if (typeof c.exp !== 'number' || c.exp <= now || (typeof c.nbf === 'number' && c.nbf > now)) {
    const exp = typeof c.exp === 'number' ? iso(c.exp) : 'missing';
    throw aad(400, 'invalid_grant', 500133, `Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: ${iso(now)}, expiry time of assertion ${exp}.`);
  }
  if (typeof c.scp !== 'string' || c.scp.trim() === '') {
    throw invalidAssertion('Assertion is not a delegated (user) token: it carries no scp claim, so it cannot be used for the On-Behalf-Of flow.');
  }
  if (typeof c.oid !== 'string') throw invalidAssertion("Assertion is missing the required claim 'oid'.");
  const user = dir.getUser(c.oid);
  if (!user) {
    throw aad(400, 'invalid_grant', 50034, `The user account {EUII Hidden} does not exist in the ${dir.tenantId} directory. To sign into this application, the account must be added to the directory.`);
  }
  return user;
}

/** The delegated scopes the app may get for the resource, or an AADSTS65001 / 650057 error. */
function consentedScopes(env: TokenEnv, app: Application, req: ScopeRequest): string[] {
  const key = req.resource.key;
  const consent = () =>
    aad(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`, { suberror: 'consent_required' });
  let granted: string[];
  const link = env.dir.link;
  if (app.graphManaged && link) {
    // Apps created through Graph: requiredResourceAccess must declare the resource (650057), an AllPrincipals grant consents (65001).
    const g = link.grantedScopes(app, req.resource.appId);
    if (!g.declared) {
      throw aad(400, 'invalid_grant', 650057, `Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client's application registration. Client app ID: ${app.clientId}(${app.displayName}). Resource value from request: ${req.identifier}. Resource app ID: ${req.resource.appId}.`);
    }
    granted = g.scopes;
  } else {
    if (key !== 'graph' && key !== 'devops') throw consent();
    granted = app.consentGranted[key] ? (app.delegatedPermissions[key] ?? []) : [];
  }
  if (granted.length === 0) throw consent();
  if (req.isDefault) return granted;
  const lower = new Set(granted.map((s) => s.toLowerCase()));
  if (!req.names.every((n) => lower.has(n.toLowerCase()))) throw consent();
  return req.names;
}

/**
 * The `claims` request parameter: client capabilities (`access_token.xms_cc`, CP1 = can handle
 * claims challenges, so Entra marks the token and CAE-enabled APIs may challenge it) and a
 * challenge's requirements (`access_token.nbf`: a token issued after that time).
 * learn.microsoft.com/entra/identity-platform/claims-challenge, app-resilience-continuous-access-evaluation.
 */
function requestedClaims(form: URLSearchParams): { capable: boolean; notBefore: number | undefined } {
  const raw = form.get('claims');
  if (!raw) return { capable: false, notBefore: undefined };
  let parsed: { access_token?: { xms_cc?: { values?: unknown }; nbf?: { value?: unknown } } };
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    throw malformed("The 'claims' parameter is not valid JSON.");
  }
  const values = parsed.access_token?.xms_cc?.values;
  const nbf = Number(parsed.access_token?.nbf?.value);
  return { capable: Array.isArray(values) && values.includes('CP1'), notBefore: Number.isFinite(nbf) ? nbf : undefined };
}

export async function oboGrant(env: TokenEnv, client: AuthenticatedClient, assertion: string, req: ScopeRequest, form: URLSearchParams = new URLSearchParams()): Promise<TokenResponse> {
  const { app } = client;
  const user = await validateAssertion(env, app, assertion);
  const claims = requestedClaims(form);
  const iat = Number(decodeJwt(assertion)?.payload.iat ?? 0);
  if (claims.notBefore !== undefined && user.revokedAt !== undefined && iat < claims.notBefore) {
    // The user's sign-in predates the revocation the challenge names: only a new sign-in helps (reference-error-codes 50173 FreshTokenNeeded).
    throw aad(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.', { suberror: 'bad_token' });
  }
  const link = env.dir.link;
  const assigned = app.graphManaged && link ? link.isAssigned(app, user) : user.assigned;
  if (app.appRoleAssignmentRequired && !assigned) {
    throw aad(400, 'invalid_grant', 50105, `The signed in user '{EUII Hidden}' is not assigned to a role for the application '${app.clientId}'(${app.displayName}).`);
  }
  const scopes = consentedScopes(env, app, req);
  if (user.mfaRequired) {
    const claims = JSON.stringify({ access_token: { capolids: { essential: true, values: [guid()] } } });
    throw aad(400, 'interaction_required', 50076, `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${req.resource.appId}'.`, { suberror: 'basic_action', claims });
  }
  const access = await issueDelegated(env, { app, user, resource: req.resource, aud: req.identifier.replace(/\/+$/, ''), scopes, appidacr: client.acr, ...(claims.capable ? { extra: { xms_cc: ['CP1'] } } : {}) });
  return {
    token_type: 'Bearer',
    scope: scopes.map((s) => `${req.identifier.replace(/\/+$/, '')}/${s}`).join(' '),
    expires_in: env.lifetimeSec,
    ext_expires_in: env.lifetimeSec,
    access_token: access,
  };
}
