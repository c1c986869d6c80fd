// Entra ID routes: discovery, JWKS, the v2 authorize endpoint and the v2 token endpoint.
import { formBody, guid, sendJson, type Ctx } from '../../core/http.ts';
import type { Router } from '../../core/router.ts';
import { authenticateClient, identifyClient } from './clientAuth.ts';
import { v1Configuration, v2Configuration } from './discovery.ts';
import { aad, AadError, entraHeaders, missingParam, sendAadError, tenantNotFound } from './errors.ts';
import { issueAppOnly, type TokenEnv } from './issue.ts';
import { deviceCodeGrant, type DeviceCodes, publicClient, refreshTokenGrant, registerDeviceCode } from './deviceCode.ts';
import { type AuthCodes, redeemCode, registerAuthorize } from './authorize.ts';
import { PUBLIC_CLIENTS, type SigningClient, userTokens } from './userGrant.ts';
import { checkOboParams, oboGrant, type TokenResponse } from './obo.ts';
import { checkResourceParam, parseScope } from './scopes.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const DISCOVERY_CACHE = { 'cache-control': 'max-age=86400, private', 'access-control-allow-origin': '*' };

function requireScope(form: URLSearchParams): string {
  const scope = form.get('scope');
  if (scope === null || scope.trim() === '') throw missingParam('scope');
  return scope;
}

async function clientCredentials(env: TokenEnv, ctx: Ctx, form: URLSearchParams): Promise<TokenResponse> {
  const app = identifyClient(env, ctx, form);
  const scope = requireScope(form);
  const client = await authenticateClient(env, ctx, form, app);
  const req = parseScope(env.dir, scope, 'client_credentials');
  checkResourceParam(req, form.get('resource'));
  const access = await issueAppOnly(env, { app, resource: req.resource, aud: req.identifier.replace(/\/+$/, ''), appidacr: client.acr });
  return { token_type: 'Bearer', expires_in: env.lifetimeSec, ext_expires_in: env.lifetimeSec, access_token: access };
}

async function onBehalfOf(env: TokenEnv, ctx: Ctx, form: URLSearchParams): Promise<TokenResponse> {
  const { assertion } = checkOboParams(form);
  const app = identifyClient(env, ctx, form);
  const scope = requireScope(form);
  const client = await authenticateClient(env, ctx, form, app);
  const req = parseScope(env.dir, scope, 'obo');
  checkResourceParam(req, form.get('resource'));
  return oboGrant(env, client, assertion, req, form);
}

/** A confidential app authenticates; a public client (first-party or isFallbackPublicClient) does not. */
async function grantClient(env: TokenEnv, ctx: Ctx, form: URLSearchParams): Promise<SigningClient> {
  const id = (form.get('client_id') ?? '').toLowerCase();
  if (PUBLIC_CLIENTS[id] || env.dir.link?.isPublicClient(id)) return publicClient(env, form);
  const app = identifyClient(env, ctx, form);
  const client = await authenticateClient(env, ctx, form, app);
  return { clientId: app.clientId, name: app.displayName, acr: client.acr };
}

async function authorizationCode(env: TokenEnv, codes: DeviceCodes, authCodes: AuthCodes, ctx: Ctx, form: URLSearchParams): Promise<Record<string, unknown>> {
  const app = identifyClient(env, ctx, form);
  const client = await authenticateClient(env, ctx, form, app);
  const { user: oid, scope } = redeemCode(authCodes, app, form);
  const user = env.dir.getUser(oid);
  if (!user) throw aad(400, 'invalid_grant', 50034, `The user account {EUII Hidden} does not exist in the ${env.dir.tenantId} directory.`);
  return userTokens(env, codes.refreshTokens, { clientId: app.clientId, name: app.displayName, acr: client.acr }, user, scope, form.get('client_info') === '1', form.get('resource'));
}

async function tokenEndpoint(env: TokenEnv, codes: DeviceCodes, authCodes: AuthCodes, ctx: Ctx): Promise<void> {
  const trace = guid();
  try {
    const tenant = ctx.params[0]!;
    if (!env.dir.isTenant(tenant)) throw tenantNotFound(tenant, 'invalid_request');
    // A body that is not form-encoded is not read at all, so grant_type is "missing", as in Entra.
    const form = formBody(ctx) ?? new URLSearchParams();
    const grant = form.get('grant_type');
    if (grant === null || grant === '') throw missingParam('grant_type');
    let body: TokenResponse | Record<string, unknown>;
    switch (grant) {
      case 'client_credentials':
        body = await clientCredentials(env, ctx, form);
        break;
      case JWT_BEARER_GRANT:
        body = await onBehalfOf(env, ctx, form);
        break;
      case DEVICE_CODE_GRANT:
      case 'device_code': // what msal sends; Entra accepts both spellings
        body = await deviceCodeGrant(env, codes, form);
        break;
      case 'refresh_token':
        body = await refreshTokenGrant(env, codes, form, await grantClient(env, ctx, form));
        break;
      case 'authorization_code':
        body = await authorizationCode(env, codes, authCodes, ctx, form);
        break;
      default:
        throw aad(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
    }
    sendJson(ctx, 200, body, entraHeaders(ctx, trace));
  } catch (e) {
    if (e instanceof AadError) sendAadError(ctx, env.dir.url, e);
    else throw e;
  }
}

function withTenant(env: TokenEnv, fn: (ctx: Ctx) => void): (ctx: Ctx) => void {
  return (ctx) => {
    const tenant = ctx.params[0]!;
    if (!env.dir.isTenant(tenant)) return sendAadError(ctx, env.dir.url, tenantNotFound(tenant));
    fn(ctx);
  };
}

export function registerEntra(router: Router, env: TokenEnv, codes: DeviceCodes, authCodes: AuthCodes): void {
  const { dir, keys } = env;
  const T = '([^/]+)';
  router.get(new RegExp(`^/${T}/v2\\.0/\\.well-known/openid-configuration$`, 'i'), withTenant(env, (ctx) => sendJson(ctx, 200, v2Configuration(dir), DISCOVERY_CACHE)));
  router.get(new RegExp(`^/${T}/\\.well-known/openid-configuration$`, 'i'), withTenant(env, (ctx) => sendJson(ctx, 200, v1Configuration(dir), DISCOVERY_CACHE)));
  router.get(new RegExp(`^/${T}/discovery/v2\\.0/keys$`, 'i'), withTenant(env, (ctx) => sendJson(ctx, 200, keys.jwks(dir.v2Issuer), DISCOVERY_CACHE)));
  router.get(new RegExp(`^/${T}/discovery/keys$`, 'i'), withTenant(env, (ctx) => sendJson(ctx, 200, keys.jwks(), DISCOVERY_CACHE)));
  const tokenPath = new RegExp(`^/${T}/oauth2/v2\\.0/token$`, 'i');
  router.post(tokenPath, (ctx) => tokenEndpoint(env, codes, authCodes, ctx));
  router.on('*', tokenPath, (ctx) => {
    sendAadError(ctx, dir.url, aad(405, 'invalid_request', 900561, `The endpoint only accepts POST requests. Received a ${ctx.method} request.`), { allow: 'POST' });
  });
  registerDeviceCode(router, env, codes);
  registerAuthorize(router, env, authCodes);
}
