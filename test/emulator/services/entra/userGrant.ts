// Tokens for a signed-in user, shared by the device code, authorization code and refresh token grants:
// assignment (AADSTS50105), consent (AADSTS65001), the self-token rule (AADSTS90009) and the token response.
import { randomBytes } from 'node:crypto';
import { GRAPH_APP_ID } from '../../core/directory.ts';
import type { Application, User } from '../../types.ts';
import { aad } from './errors.ts';
import { issueDelegated, issueIdToken, type TokenEnv } from './issue.ts';
import { checkResourceParam, parseScope, type ScopeRequest } from './scopes.ts';

/** First-party public clients every tenant knows (and that are pre-consented to Microsoft's APIs). */
export const PUBLIC_CLIENTS: Record<string, string> = {
  '04b07795-8ddb-461a-bbee-02f9e1bf7b46': 'Microsoft Azure CLI',
  'aebc6443-996d-45c2-90f0-388ff96faa56': 'Visual Studio Code',
  '1950a258-227b-4e31-a9cf-717495945fc2': 'Microsoft Azure PowerShell',
};

/** The client a user token is issued to: a public client, or an authenticated confidential app (acr '1' secret, '2' assertion). */
export interface SigningClient {
  clientId: string;
  name: string;
  acr: '0' | '1' | '2';
}

export type RefreshTokens = Map<string, { clientId: string; oid: string }>;

const norm = (s: string): string => s.replace(/\/+$/, '').toLowerCase();
const OIDC_CONSENT = ['openid', 'profile', 'offline_access'];

export function consentError(client: SigningClient): ReturnType<typeof aad> {
  return aad(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${client.clientId}' named '${client.name}'. Send an interactive authorization request for this user and resource.`, { suberror: 'consent_required' });
}

/** Assignment-required apps refuse users without an assignment (directly or through a group). */
export function checkAssignment(env: TokenEnv, app: Application, user: User): void {
  const link = env.dir.link;
  const assigned = app.graphManaged && link ? link.isAssigned(app, user) : user.assigned;
  if (app.appRoleAssignmentRequired && !assigned) {
    throw aad(400, 'invalid_grant', 50105, `The signed in user '{EUII Hidden}' is not assigned to a role for the application '${app.clientId}'(${app.displayName}).`);
  }
}

/**
 * The OpenID scopes a Graph-managed app asks for in an interactive sign-in must be consented
 * (they are Microsoft Graph delegated permissions: openid, profile, offline_access); otherwise Entra
 * prompts the user instead of returning a code.
 */
export function missingOidcConsent(env: TokenEnv, app: Application, scope: string, userOid: string): string[] {
  const link = env.dir.link;
  if (!app.graphManaged || !link) return [];
  const asked = scope.split(/\s+/).map((s) => s.toLowerCase()).filter((s) => OIDC_CONSENT.includes(s));
  const granted = new Set([...link.grantedScopes(app, GRAPH_APP_ID).scopes, ...link.userConsent(app.clientId, GRAPH_APP_ID, userOid)].map((s) => s.toLowerCase()));
  return asked.filter((s) => !granted.has(s));
}

/** Assignment (AADSTS50105) and consent (AADSTS65001) for a user token; the scopes granted. */
export function grantedScopes(env: TokenEnv, client: SigningClient, user: User, req: ScopeRequest): string[] {
  const r = req.resource;
  const link = env.dir.link;
  let granted: string[];
  if (r.key === 'app' && r.app) {
    const app = r.app;
    checkAssignment(env, app, user);
    if (app.graphManaged && link) granted = link.userConsent(client.clientId, app.clientId, user.oid);
    // Built-in apps: first-party public clients are pre-authorised, and an app may use its own scopes.
    else granted = PUBLIC_CLIENTS[client.clientId] || client.clientId === app.clientId ? app.publishedScopes : [];
  } else {
    granted = PUBLIC_CLIENTS[client.clientId] ? r.scopes : (link?.userConsent(client.clientId, r.appId, user.oid) ?? []);
  }
  if (granted.length === 0) throw consentError(client);
  if (req.isDefault) return r.key === 'app' ? granted : r.key === 'graph' ? ['User.Read'] : ['user_impersonation'];
  const lower = new Set(granted.map((s) => s.toLowerCase()));
  if (!req.names.every((n) => lower.has(n.toLowerCase()))) throw consentError(client);
  return req.names;
}

/**
 * An app asking for a token for itself must name itself by its GUID app id, not an identifier URI
 * (reference-error-codes 90009 "TokenForItselfMissingIdenticalAppIdentifier"; the refresh of such a
 * token failing with api://{appId}/... is reported in Softeria/ms-365-mcp-server#508).
 */
export function checkSelfToken(client: SigningClient, req: ScopeRequest): void {
  if (req.resource.appId === client.clientId && norm(req.identifier) !== client.clientId.toLowerCase()) {
    throw aad(400, 'invalid_request', 90009, `Application '${client.clientId}'(${req.identifier}) is requesting a token for itself. This scenario is supported only if resource is specified using the GUID based App Identifier.`);
  }
}

/** Access token (plus ID token, refresh token and client_info as requested) for a signed-in user. */
export async function userTokens(
  env: TokenEnv, refresh: RefreshTokens, client: SigningClient, user: User, scope: string, clientInfo: boolean, resource: string | null,
): Promise<Record<string, unknown>> {
  const req = parseScope(env.dir, scope, 'obo');
  checkResourceParam(req, resource);
  checkSelfToken(client, req);
  const scopes = grantedScopes(env, client, user, req);
  const identifier = req.identifier.replace(/\/+$/, '');
  const access = await issueDelegated(env, { app: { clientId: client.clientId, displayName: client.name }, user, resource: req.resource, aud: identifier, scopes, appidacr: client.acr });
  const asked = scope.split(/\s+/).map((s) => s.toLowerCase());
  const shown = scopes.map((s) => (req.resource.key === 'graph' ? s : `${identifier}/${s}`));
  const body: Record<string, unknown> = {
    token_type: 'Bearer', scope: [...shown, ...['openid', 'profile', 'email'].filter((s) => asked.includes(s))].join(' '), expires_in: env.lifetimeSec, ext_expires_in: env.lifetimeSec, access_token: access,
  };
  if (asked.includes('offline_access')) {
    const rt = `1.A${randomBytes(96).toString('base64url')}`;
    refresh.set(rt, { clientId: client.clientId, oid: user.oid });
    body.refresh_token = rt;
  }
  if (asked.includes('openid')) body.id_token = await issueIdToken(env, client.clientId, user);
  if (clientInfo) body.client_info = Buffer.from(JSON.stringify({ uid: user.oid, utid: env.dir.tenantId })).toString('base64url');
  return body;
}
