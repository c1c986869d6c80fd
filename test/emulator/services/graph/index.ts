// Microsoft Graph v1.0: bearer validation, permission checks, latency, and a small dispatcher over the
// decoded path (key syntax such as applications(appId='…') and $ref segments are matched literally).
import { type Ctx, isRecord, jsonBody, sendJson } from '../../core/http.ts';
import { GRAPH_APP_ID } from '../../core/directory.ts';
import type { GraphStore } from '../../core/graphStore.ts';
import type { Router } from '../../core/router.ts';
import type { Timing } from '../../core/timing.ts';
import type { JsonObject, User } from '../../types.ts';
import type { TokenEnv } from '../entra/issue.ts';
import { bearerToken, scopesOf, verifyBearer } from '../entra/verify.ts';
import { registerApplications } from './applications.ts';
import { registerDirectoryRoutes } from './directoryRoutes.ts';
import { badRequest, denied, GraphError, graphError, graphHeaders } from './errors.ts';
import { registerFederated } from './federated.ts';
import { registerGrants } from './grants.ts';
import { registerGroups } from './groups.ts';
import { registerMe } from './me.ts';
import { registerOwners } from './owners.ts';
import { registerServicePrincipals } from './servicePrincipals.ts';
import type { SampleGraph } from '../../../../src/dev/sample/graph.ts';
import { sampleRequest, sendSample } from '../sample.ts';

export interface GraphEnv extends TokenEnv {
  store: GraphStore;
  timing: Timing;
  /** The sample tenant's Graph (mail, calendar, files, SharePoint) for paths the emulator does not model. */
  sample?: SampleGraph;
}

export interface Caller {
  oid: string;
  appId: string;
  delegated: boolean;
  scopes: string[];
  roles: string[];
  user: User | undefined;
}

export interface GCtx {
  ctx: Ctx;
  env: GraphEnv;
  store: GraphStore;
  caller: Caller;
  /** Capture groups of the matched route (on the decoded path). */
  m: string[];
  /** `{url}/v1.0` */
  base: string;
  body(): JsonObject;
  send(status: number, body?: unknown, headers?: Record<string, string>): void;
}

export type GHandler = (g: GCtx) => void | Promise<void>;

/** App roles that allow a write for app-only callers (reads need any Graph app role). */
export const PERM = {
  app: ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.ReadWrite.All'],
  group: ['Group.ReadWrite.All', 'GroupMember.ReadWrite.All', 'Directory.ReadWrite.All'],
  /** Creating a group: GroupMember.ReadWrite.All does not allow it (learn.microsoft.com/graph/api/group-post-groups). */
  groupCreate: ['Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  /** Reading groups: Group.Create does not ("Allows the app to create groups", nothing more). */
  groupRead: ['GroupMember.Read.All', 'Group.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  grant: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
  assign: ['AppRoleAssignment.ReadWrite.All'],
};

interface GRoute {
  method: string;
  re: RegExp;
  perm: string[] | undefined;
  handler: GHandler;
}

export class GraphRoutes {
  readonly routes: GRoute[] = [];

  /** `re` is matched case-insensitively against the decoded path after `/v1.0`. */
  on(method: string, re: string, perm: string[] | undefined, handler: GHandler): this {
    this.routes.push({ method, re: new RegExp(`^${re}$`, 'i'), perm, handler });
    return this;
  }
}

/** Key segment: `/{id}` or `(prop='value')` -> groups (id, prop, value). */
export const KEY = `(?:/([^/()]+)|\\((\\w+)='((?:[^']|'')*)'\\))`;

function decode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function handle(env: GraphEnv, routes: GraphRoutes, ctx: Ctx): Promise<void> {
  const url = env.dir.url;
  const v = await verifyBearer(env, bearerToken(ctx), [env.dir.graphResource, url, GRAPH_APP_ID]);
  if (!v.ok) {
    return graphError(ctx, 401, 'InvalidAuthenticationToken', v.reason, {
      'www-authenticate': `Bearer realm="", authorization_uri="${url}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
    });
  }
  const path = decode(ctx.path).replace(/^\/v1\.0/i, '');
  const allow = new Set<string>();
  let route: GRoute | undefined;
  let m: RegExpExecArray | null = null;
  for (const r of routes.routes) {
    m = r.re.exec(path);
    if (!m) continue;
    if (r.method !== ctx.method) {
      allow.add(r.method);
      continue;
    }
    route = r;
    break;
  }
  const c = v.claims;
  const scopes = scopesOf(c);
  const oid = typeof c.oid === 'string' ? c.oid : '';
  const caller: Caller = {
    oid, appId: String(c.appid ?? c.azp ?? ''), delegated: scopes.length > 0, scopes,
    roles: Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : [], user: scopes.length > 0 ? env.dir.getUser(oid) : undefined,
  };
  // Continuous Access Evaluation: a CAE-capable token (xms_cc CP1) issued before the user's sessions were
  // revoked gets a claims challenge rather than data (learn.microsoft.com/entra/identity-platform/claims-challenge;
  // graph docs "Continuous access evaluation": InvalidAuthenticationToken, TokenIssuedBeforeRevocationTimestamp).
  const revokedAt = caller.user?.revokedAt;
  if (revokedAt !== undefined && Number(c.iat) < revokedAt && Array.isArray(c.xms_cc) && c.xms_cc.includes('CP1')) {
    const claims = Buffer.from(JSON.stringify({ access_token: { nbf: { essential: true, value: String(revokedAt) } } })).toString('base64');
    return graphError(ctx, 401, 'InvalidAuthenticationToken', 'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp', {
      'www-authenticate': `Bearer realm="", authorization_uri="${url}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}", error="insufficient_claims", claims="${claims}"`,
    });
  }
  if (!route || !m) {
    // Mail, calendar, files and SharePoint come from the product's sample tenant (services/sample.ts), for delegated callers.
    const sample = caller.delegated && env.sample ? env.sample.handle(sampleRequest(ctx), { oid, scopes }) : undefined;
    if (sample) return sendSample(ctx, sample);
    if (allow.size > 0) return graphError(ctx, 405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', { allow: [...allow].join(', ') });
    return graphError(ctx, 400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  }
  const write = ctx.method !== 'GET';
  const g: GCtx = {
    ctx, env, store: env.store, caller, m: m.slice(1).map((x) => x ?? ''), base: `${url}/v1.0`,
    body: () => {
      const r = jsonBody(ctx);
      if (!r.ok || !isRecord(r.value)) throw badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', 'BadRequest');
      return r.value;
    },
    send: (status, body, headers = {}) => sendJson(ctx, status, body, { ...graphHeaders(ctx).headers, ...headers }),
  };
  try {
    if (write && env.store.deniedWriters.has(oid.toLowerCase())) throw denied();
    if (!caller.delegated) {
      const ok = route.perm ? caller.roles.some((r) => route.perm!.includes(r)) : caller.roles.length > 0;
      if (!ok && !/^\/me(\/|$)/i.test(path)) throw denied();
    }
    if (write) await env.timing.sleep(env.timing.latency('graph'));
    await route.handler(g);
    if (write) env.store.sync();
  } catch (e) {
    if (e instanceof GraphError) return graphError(ctx, e.status, e.code, e.message);
    throw e;
  }
}

export function registerGraph(router: Router, env: GraphEnv): void {
  const routes = new GraphRoutes();
  for (const reg of [registerMe, registerOwners, registerApplications, registerFederated, registerServicePrincipals, registerGroups, registerGrants, registerDirectoryRoutes]) reg(routes);
  router.on('*', /^\/v1\.0(\/.*)?$/i, (ctx) => handle(env, routes, ctx));
  // Pre-authenticated download URLs of the sample tenant's files (answered without a token, as SharePoint's are).
  router.get(/^\/_download\/([A-Za-z0-9_-]+)$/, (ctx) => (env.sample ? sendSample(ctx, env.sample.download(ctx.params[0]!)) : sendJson(ctx, 404, {})));
  router.fallback(/^\/beta(\/|$)/i, (ctx) => graphError(ctx, 404, 'Request_ResourceNotFound', 'The emulator serves Microsoft Graph v1.0 only.'));
}

/** `{ '@odata.context': …, ...obj }` */
export const entity = (g: GCtx, context: string, obj: JsonObject): JsonObject => ({ '@odata.context': `${g.base}/$metadata#${context}`, ...obj });

/** The unknown-property error Graph's OData layer answers for a body property the type does not define. */
export function checkProps(body: JsonObject, allowed: readonly string[], type: string): void {
  for (const k of Object.keys(body)) {
    if (k.startsWith('@odata.')) continue;
    if (!allowed.includes(k)) {
      throw badRequest(`The property '${k}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`, 'BadRequest');
    }
  }
}

