// Microsoft Graph v1.0: GET /me (more directory endpoints come later).
import { type Ctx, guid, GUID_RE, header, sendJson } from '../core/http.ts';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../core/directory.ts';
import type { Router } from '../core/router.ts';
import type { User } from '../types.ts';
import type { TokenEnv } from './entra/issue.ts';
import { bearerToken, scopesOf, verifyBearer } from './entra/verify.ts';

const ME_SCOPES = new Set(['user.read', 'user.readwrite', 'user.read.all', 'user.readwrite.all', 'directory.read.all', 'directory.readwrite.all']);

/** Graph's default /me properties, in Graph's order. */
const DEFAULT_PROPS = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
const EXTRA_PROPS = ['department', 'accountEnabled', 'companyName', 'employeeId'];

export function graphCodeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadRequest', 401: 'InvalidAuthenticationToken', 403: 'Authorization_RequestDenied', 404: 'Request_ResourceNotFound', 409: 'Conflict',
    429: 'TooManyRequests', 500: 'generalException', 503: 'serviceNotAvailable', 504: 'gatewayTimeout',
  };
  return codes[status] ?? 'UnknownError';
}

export function graphErrorBody(code: string, message: string, requestId = guid(), clientRequestId = requestId): Record<string, unknown> {
  return { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': clientRequestId } } };
}

function graphHeaders(ctx: Ctx): { requestId: string; clientRequestId: string; headers: Record<string, string> } {
  const requestId = guid();
  const crid = header(ctx, 'client-request-id');
  const clientRequestId = crid && GUID_RE.test(crid) ? crid : requestId;
  return { requestId, clientRequestId, headers: { 'request-id': requestId, 'client-request-id': clientRequestId, 'odata-version': '4.0', 'cache-control': 'no-cache' } };
}

function graphError(ctx: Ctx, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const h = graphHeaders(ctx);
  sendJson(ctx, status, graphErrorBody(code, message, h.requestId, h.clientRequestId), { ...h.headers, ...extra });
}

function property(u: User, name: string): unknown {
  switch (name) {
    case 'id': return u.oid;
    case 'accountEnabled': return true;
    case 'companyName':
    case 'employeeId': return null;
    default: return (u as unknown as Record<string, unknown>)[name];
  }
}

async function me(env: TokenEnv, ctx: Ctx): Promise<void> {
  const url = env.dir.url;
  const v = await verifyBearer(env, bearerToken(ctx), [GRAPH_RESOURCE, url, GRAPH_APP_ID]);
  if (!v.ok) {
    return graphError(ctx, 401, 'InvalidAuthenticationToken', v.reason, {
      'www-authenticate': `Bearer realm="", authorization_uri="${url}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
    });
  }
  const scopes = scopesOf(v.claims);
  if (scopes.length === 0) return graphError(ctx, 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  if (!scopes.some((s) => ME_SCOPES.has(s.toLowerCase()))) return graphError(ctx, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  for (const k of ctx.query.keys()) {
    if (k.startsWith('$') && k !== '$select') return graphError(ctx, 400, 'BadRequest', `Query option '${k}' is not supported by the emulator on /me.`);
  }
  let props = DEFAULT_PROPS;
  const select = ctx.query.get('$select');
  if (select !== null) {
    const all = [...DEFAULT_PROPS, ...EXTRA_PROPS];
    props = [];
    for (const raw of select.split(',').map((s) => s.trim()).filter(Boolean)) {
      const p = all.find((x) => x.toLowerCase() === raw.toLowerCase());
      if (!p) return graphError(ctx, 400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${raw}' on type 'microsoft.graph.user'.`);
      if (!props.includes(p)) props.push(p);
    }
    if (props.length === 0) return graphError(ctx, 400, 'BadRequest', "Invalid $select value: ''.");
  }
  const user = typeof v.claims.oid === 'string' ? env.dir.getUser(v.claims.oid) : undefined;
  if (!user) return graphError(ctx, 404, 'Request_ResourceNotFound', `Resource '${String(v.claims.oid)}' does not exist or one of its queried reference-property objects are not present.`);
  const context = select === null ? `${url}/v1.0/$metadata#users/$entity` : `${url}/v1.0/$metadata#users(${props.join(',')})/$entity`;
  const body: Record<string, unknown> = { '@odata.context': context };
  for (const p of props) body[p] = property(user, p);
  sendJson(ctx, 200, body, graphHeaders(ctx).headers);
}

export function registerGraph(router: Router, env: TokenEnv): void {
  router.get(/^\/v1\.0\/me$/i, (ctx) => me(env, ctx));
  router.fallback(/^\/(v1\.0|beta)\//i, (ctx) => graphError(ctx, 400, 'BadRequest', `Resource not found for the segment '${ctx.path.split('/')[2] ?? ''}'.`));
}
