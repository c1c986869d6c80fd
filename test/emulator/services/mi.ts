// Managed-identity endpoint as in Azure Container Apps / App Service (plain http, api-version 2019-08-01).
import { type Ctx, guid, header, sendJson } from '../core/http.ts';
import type { Router } from '../core/router.ts';
import { issueManagedIdentity, type TokenEnv } from './entra/issue.ts';

export const MI_API_VERSION = '2019-08-01';

export interface MiEnv extends TokenEnv {
  identityHeader: string;
  /** IDENTITY_HEADER values of container apps -> the identity resource ids attached to that app. */
  appHeaders: Map<string, () => string[]>;
}

export function miErrorBody(status: number, message: string): Record<string, unknown> {
  return { statusCode: status, message, correlationId: guid() };
}

function fail(ctx: Ctx, status: number, message: string): void {
  sendJson(ctx, status, miErrorBody(status, message));
}

async function token(env: MiEnv, ctx: Ctx): Promise<void> {
  const h = header(ctx, 'x-identity-header');
  // A container app's replicas get their own header: only the identities attached to that app are served.
  const attached = h !== undefined && h !== env.identityHeader ? env.appHeaders.get(h) : undefined;
  if (h !== env.identityHeader && !attached) return fail(ctx, 401, 'The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.');
  const q = ctx.query;
  const apiVersion = q.get('api-version');
  if (apiVersion === null) return fail(ctx, 400, "The request is missing the required query parameter 'api-version'.");
  if (apiVersion !== MI_API_VERSION) return fail(ctx, 400, `The api-version '${apiVersion}' is not supported. Supported versions: ${MI_API_VERSION}.`);
  const resource = q.get('resource');
  if (resource === null || resource === '') return fail(ctx, 400, "The request is missing the required query parameter 'resource'.");
  if (resource.endsWith('/.default')) return fail(ctx, 400, `The resource '${resource}' is a scope, not a resource. Remove the '/.default' suffix.`);
  const selectors = (['client_id', 'mi_res_id', 'object_id', 'principal_id'] as const).filter((k) => q.has(k));
  if (selectors.length > 1) return fail(ctx, 400, 'Only one of client_id, mi_res_id, object_id and principal_id may be given.');
  const sel = selectors[0];
  const v = sel ? q.get(sel)!.toLowerCase() : undefined;
  // The pre-provisioned identity, plus any user-assigned identity created through ARM. No system-assigned identity exists.
  const allowed = attached ? new Set(attached().map((id) => id.toLowerCase())) : undefined;
  const mi = env.dir.managedIdentities().filter((m) => !allowed || allowed.has(m.resourceId.toLowerCase())).find((m) =>
    sel === 'client_id' ? v === m.clientId
    : sel === 'mi_res_id' ? v === m.resourceId.toLowerCase()
    : sel === 'object_id' || sel === 'principal_id' ? v === m.principalId
    : false);
  if (!mi) return fail(ctx, 400, 'Unable to load the proper Managed Identity.');
  // Tokens only for resources that exist in this cloud: the token-exchange audience of another cloud
  // (api://AzureADTokenExchange in US Government, say) is unknown here. The endpoint passes Entra's
  // answer on: 400 invalid_resource AADSTS500011, as reported in AzureAD/microsoft-authentication-library-for-dotnet#3979
  // and AzureAD/microsoft-identity-web#2796.
  if (resource !== env.dir.tokenExchangeAudience && !env.dir.resolveResource(resource)) {
    return sendJson(ctx, 400, {
      error: 'invalid_resource',
      error_description: `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${env.dir.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant. Trace ID: ${guid()} Correlation ID: ${guid()} Timestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
      error_codes: [500011],
    });
  }
  const t = await issueManagedIdentity(env, resource, mi);
  sendJson(ctx, 200, { access_token: t.token, expires_on: String(t.exp), resource, token_type: 'Bearer', client_id: mi.clientId });
}

export function registerMi(router: Router, env: MiEnv): void {
  router.get(/^\/msi\/token$/i, (ctx) => token(env, ctx));
}
