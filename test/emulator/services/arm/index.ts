// Azure Resource Manager: bearer validation, api-version, subscription check and a dispatcher over the
// decoded, case-insensitive path. Resource types live in sibling modules.
import { type Ctx, guid, GUID_RE, header, isRecord, jsonBody, mediaType, sendJson } from '../../core/http.ts';
import type { AcrStore } from '../../core/acrStore.ts';
import type { BlobStore } from '../../core/blobs.ts';
import type { PublicDns } from '../../core/dns.ts';
import type { GraphStore } from '../../core/graphStore.ts';
import type { ArmInventory } from '../../core/inventory.ts';
import type { Router } from '../../core/router.ts';
import type { Timing } from '../../core/timing.ts';
import type { JsonObject } from '../../types.ts';
import type { AcaRuntime } from '../aca/runtime.ts';
import type { TokenEnv } from '../entra/issue.ts';
import { bearerToken, verifyBearer } from '../entra/verify.ts';
import { registerAcrTasks } from './acrTasks.ts';
import { registerContainerApps } from './containerApps.ts';
import { registerCustomDomains } from './customDomains.ts';
import { registerDnsZones } from './dnsZones.ts';
import { ArmError, armError, authorizationFailed, invalidContent } from './errors.ts';
import { registerIdentities } from './identities.ts';
import { registerIdentityFics } from './identityFics.ts';
import { registerLro } from './lro.ts';
import { registerManagedCertificates } from './managedCertificates.ts';
import { registerManagedEnvironments } from './managedEnvironments.ts';
import { registerRegistries } from './registries.ts';
import { registerResourceGroups } from './resourceGroups.ts';
import { registerRevisions } from './revisions.ts';
import { registerRoleAssignments } from './roleAssignments.ts';
import { registerSubscriptions } from './subscriptions.ts';
import { registerWorkspaces } from './workspaces.ts';
import { rbacAllows } from './rbac.ts';

export interface ArmEnv extends TokenEnv {
  inv: ArmInventory;
  store: GraphStore;
  timing: Timing;
  /** Registry contents and ACR Tasks switches. */
  acr: AcrStore;
  /** Build sources and run logs (the storage behind ACR Tasks). */
  blobs: BlobStore;
  /** Container Apps replicas, ingress and log streams. */
  aca: AcaRuntime;
  /** The public DNS stand-in (Azure DNS zones write it, custom domain validation reads it). */
  dns: PublicDns;
}

export interface ACtx {
  ctx: Ctx;
  env: ArmEnv;
  inv: ArmInventory;
  /** Object id and the name ARM uses for the caller (appId for apps, UPN for users). */
  caller: { oid: string; label: string };
  /** Capture groups of the matched route (decoded). */
  m: string[];
  apiVersion: string;
  url: string;
  sub: string;
  body(): JsonObject;
  send(status: number, body?: unknown, headers?: Record<string, string>): void;
  /** 403 AuthorizationFailed when the caller is denied writes on `type` (switch). */
  authorize(action: string, scope: string, type: string): void;
}

export type AHandler = (a: ACtx) => void | Promise<void>;

/** Path prefixes for route patterns: the subscription is checked before routing. */
export const SUB = '/subscriptions/[^/]+';
export const RG = `${SUB}/resourceGroups/([^/]+)`;

export class ArmRoutes {
  readonly routes: Array<{ method: string; re: RegExp; kind: string; handler: AHandler }> = [];

  /** `re` is anchored and matched case-insensitively; `kind` keys the api-version log. */
  on(method: string, re: string, kind: string, handler: AHandler): this {
    this.routes.push({ method, re: new RegExp(`^${re}$`, 'i'), kind, handler });
    return this;
  }
}

function decode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function authError(env: ArmEnv, kind: string, reason: string): ArmError {
  const [status, code, message] =
    kind === 'missing' ? [401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."]
    : kind === 'audience' ? [401, 'InvalidAuthenticationTokenAudience', "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."]
    : kind === 'expired' ? [401, 'ExpiredAuthenticationToken', `The access token expiry UTC time is earlier than current UTC time '${new Date().toUTCString()}'.`]
    : kind === 'issuer' ? [401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer. It must match the tenant '${env.dir.v1Issuer}' associated with this subscription.`]
    : [401, 'InvalidAuthenticationToken', `The access token is invalid. ${reason}`];
  const desc = kind === 'missing' ? "The authentication failed because of missing 'Authorization' header." : message;
  return new ArmError(status as number, code as string, message as string, {
    headers: { 'www-authenticate': `Bearer authorization_uri="${env.dir.url}/${env.dir.tenantId}", error="invalid_token", error_description="${desc.replace(/"/g, "'")}"` },
  });
}

async function dispatch(env: ArmEnv, routes: ArmRoutes, ctx: Ctx, reqHeaders: Record<string, string>): Promise<void> {
  const v = await verifyBearer(env, bearerToken(ctx), env.dir.armResources);
  if (!v.ok) throw authError(env, v.kind, v.reason);
  const apiVersion = ctx.query.get('api-version');
  if (apiVersion === null || apiVersion === '') throw armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  const path = decode(ctx.path).replace(/(.)\/$/, '$1');
  const subMatch = /^\/subscriptions\/([^/]+)/i.exec(path);
  if (subMatch) {
    const s = subMatch[1]!;
    if (!GUID_RE.test(s)) throw armError(400, 'InvalidSubscriptionId', `The provided subscription identifier '${s}' is malformed or invalid.`);
    if (s.toLowerCase() !== env.dir.subscriptionId) throw armError(404, 'SubscriptionNotFound', `The subscription '${s}' could not be found.`);
  }
  env.inv.settle();
  const allow = new Set<string>();
  for (const r of routes.routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    if (r.method !== ctx.method) {
      allow.add(r.method);
      continue;
    }
    env.inv.recordApiVersion(r.kind, apiVersion);
    const c = v.claims;
    const oid = typeof c.oid === 'string' ? c.oid : '';
    const label = String(c.upn ?? c.unique_name ?? c.preferred_username ?? c.appid ?? c.azp ?? oid);
    const a: ACtx = {
      ctx, env, inv: env.inv, caller: { oid, label }, m: m.slice(1).map((x) => x ?? ''), apiVersion, url: env.dir.url, sub: env.dir.subscriptionId,
      body: () => {
        if (ctx.rawBody.length === 0) throw invalidContent('The request body is empty');
        if (mediaType(ctx) !== 'application/json') throw armError(415, 'UnsupportedMediaType', `The content media type '${mediaType(ctx)}' is not supported. Only 'application/json' is supported.`);
        const b = jsonBody(ctx);
        if (!b.ok) throw invalidContent(b.reason);
        if (!isRecord(b.value)) throw invalidContent('The request body must be a JSON object');
        return b.value;
      },
      send: (status, body, headers = {}) => sendJson(ctx, status, body, { ...reqHeaders, ...headers }),
      authorize: (action, scope, type) => {
        if (env.inv.denied(oid, type) || !rbacAllows(env.inv, env.store, oid, action, scope)) throw authorizationFailed(label, oid, action, scope);
      },
    };
    await r.handler(a);
    return;
  }
  if (allow.size > 0) throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${ctx.method}'.`, { headers: { allow: [...allow].join(', ') } });
  throw armError(404, 'InvalidResourceType', `The emulator has no ARM route for '${ctx.method} ${path}'.`);
}

export function registerArm(router: Router, env: ArmEnv): void {
  const routes = new ArmRoutes();
  for (const reg of [
    registerSubscriptions, registerResourceGroups, registerLro, registerWorkspaces, registerManagedEnvironments, registerRegistries, registerIdentities, registerIdentityFics, registerRoleAssignments,
    registerAcrTasks, registerContainerApps, registerRevisions, registerCustomDomains, registerManagedCertificates, registerDnsZones,
  ]) {
    reg(routes);
  }
  const handler = async (ctx: Ctx): Promise<void> => {
    const corr = header(ctx, 'x-ms-correlation-request-id');
    const reqHeaders = { 'x-ms-request-id': guid(), 'x-ms-correlation-request-id': corr && GUID_RE.test(corr) ? corr : guid(), 'cache-control': 'no-cache' };
    try {
      await dispatch(env, routes, ctx, reqHeaders);
    } catch (e) {
      if (!(e instanceof ArmError)) throw e;
      sendJson(ctx, e.status, e.body(), { ...reqHeaders, ...e.headers });
    }
  };
  router.on('*', /^\/(subscriptions|tenants|providers)(\/.*)?$/i, handler);
}
