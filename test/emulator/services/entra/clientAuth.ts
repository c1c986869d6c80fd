// Confidential-client authentication at the token endpoint: secret (post or basic) or FIC assertion.
import { type Ctx, header } from '../../core/http.ts';
import { decodeJwt } from '../../core/keys.ts';
import type { Application } from '../../types.ts';
import { aad, malformed, missingParam } from './errors.ts';
import type { TokenEnv } from './issue.ts';
import { audList } from './verify.ts';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FIC_DOCS = 'Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

export interface AuthenticatedClient {
  app: Application;
  /** appidacr / azpacr: '1' = secret, '2' = assertion. */
  acr: '1' | '2';
}

function basicCredentials(ctx: Ctx): { id: string; secret: string } | undefined {
  const h = header(ctx, 'authorization');
  if (!h || !/^Basic /i.test(h)) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i === -1) throw malformed('The Authorization header is not valid Basic credentials.');
  try {
    return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  } catch {
    throw malformed('The Authorization header is not valid Basic credentials.');
  }
}

/** Find the client named by the request (client_id). Throws AadError (900144 / 700016). */
export function identifyClient(env: TokenEnv, ctx: Ctx, form: URLSearchParams): Application {
  const basic = basicCredentials(ctx);
  const clientId = form.get('client_id') ?? basic?.id;
  if (!clientId) throw missingParam('client_id');
  if (basic && basic.id !== clientId) throw malformed('client_id in the body and in the Authorization header differ.');
  const app = env.dir.findApp(clientId) ?? identityClient(env, clientId);
  if (!app) {
    throw aad(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${env.dir.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  if (app.graphManaged && app.spObjectId === '') {
    throw aad(400, 'invalid_client', 7000229, `The client application ${app.clientId} is missing service principal in the tenant ${env.dir.tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`);
  }
  return app;
}

/**
 * A user-assigned managed identity signing in as a workload with its own federated credentials (issuer
 * GitHub, say): Entra takes the identity's client id at the token endpoint and issues a token for its
 * service principal (learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity
 * covers apps trusting an MI; "Configure a user-assigned managed identity to trust an external identity
 * provider" covers this direction). It has no secrets.
 */
function identityClient(env: TokenEnv, clientId: string): Application | undefined {
  const mi = env.dir.managedIdentities().find((m) => m.clientId === clientId.toLowerCase());
  if (!mi) return undefined;
  return {
    displayName: mi.resourceId.split('/').pop() ?? mi.clientId, clientId: mi.clientId, objectId: mi.principalId, spObjectId: mi.principalId, secrets: [],
    federatedCredentials: mi.federatedCredentials ?? [], identifierUris: [], publishedScopes: [], delegatedPermissions: {}, consentGranted: { graph: false, devops: false }, appRoleAssignmentRequired: false,
  };
}

/** Authenticate `app` with the credentials in the request. Throws AadError. */
export async function authenticateClient(env: TokenEnv, ctx: Ctx, form: URLSearchParams, app: Application): Promise<AuthenticatedClient> {
  const secret = form.get('client_secret') ?? basicCredentials(ctx)?.secret;
  const assertion = form.get('client_assertion');
  if (secret !== undefined && secret !== null && assertion !== null) throw malformed("Only one of 'client_secret' and 'client_assertion' may be presented.");
  if (assertion !== null) {
    const type = form.get('client_assertion_type');
    if (type === null) throw missingParam('client_assertion_type');
    if (type !== JWT_BEARER_ASSERTION_TYPE) throw malformed(`client_assertion_type '${type}' is not supported.`);
    await verifyClientAssertion(env, app, assertion);
    blockedByConditionalAccess(env, app);
    return { app, acr: '2' };
  }
  if (secret === undefined || secret === null || secret === '') {
    throw aad(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  // A secret added through Graph works only after its propagation delay.
  if (!app.secrets.includes(secret) || (app.secretNotBefore?.[secret] ?? 0) > Date.now()) {
    throw aad(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
  }
  blockedByConditionalAccess(env, app);
  return { app, acr: '1' };
}

/**
 * Conditional Access for workload identities (a block policy, e.g. by location) is applied after the
 * credential checks out; the text as Entra's error reference gives it for AADSTS53003.
 */
function blockedByConditionalAccess(env: TokenEnv, app: Application): void {
  if (env.dir.blockedByConditionalAccess.has(app.clientId)) {
    throw aad(400, 'invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.', { suberror: 'message_only' });
  }
}

const iso = (s: unknown): string => (typeof s === 'number' ? new Date(s * 1000).toISOString() : 'unknown');

/** A client assertion must match one of the app's federated identity credentials and be signed by this emulator. */
async function verifyClientAssertion(env: TokenEnv, app: Application, assertion: string): Promise<void> {
  const d = decodeJwt(assertion);
  if (!d) throw aad(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
  const c = d.payload;
  const iss = typeof c.iss === 'string' ? c.iss : '';
  const sub = typeof c.sub === 'string' ? c.sub : '';
  if (iss === app.clientId && sub === app.clientId) {
    throw aad(401, 'invalid_client', 700027, 'Client assertion failed signature validation. The certificate used to sign the client assertion is not registered on the application.');
  }
  const byIssuer = app.federatedCredentials.filter((f) => f.issuer === iss);
  if (byIssuer.length === 0) {
    throw aad(401, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${iss}'. Please note that the matching is done using a case-sensitive comparison. ${FIC_DOCS}`);
  }
  const bySubject = byIssuer.filter((f) => f.subject === sub);
  if (bySubject.length === 0) {
    throw aad(401, 'invalid_client', 700213, `No matching federated identity record found for presented assertion subject '${sub}'. Please note that the matching is done using a case-sensitive comparison. ${FIC_DOCS}`);
  }
  const auds = audList(c.aud);
  if (!bySubject.some((f) => f.audiences.some((a) => auds.includes(a)))) {
    throw aad(401, 'invalid_client', 700212, `No matching federated identity record found for presented assertion audience '${auds.join(',')}'. Please note that the matching is done using a case-sensitive comparison. ${FIC_DOCS}`);
  }
  // The issuer's keys verify the assertion: GitHub's for GitHub Actions tokens, the emulator's own for everything else.
  if ((await (env.issuers.get(iss) ?? env.keys).check(assertion)) !== 'ok') throw aad(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  const now = env.clock.nowSec();
  if (typeof c.exp !== 'number' || c.exp <= now || (typeof c.nbf === 'number' && c.nbf > now)) {
    throw aad(400, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${iso(c.nbf)}, expiry time of assertion ${iso(c.exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`);
  }
}
