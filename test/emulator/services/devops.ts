// Azure DevOps (vssps) profile and accounts APIs, under the path prefix /devops.
import { createHash } from 'node:crypto';
import { type Ctx, GUID_RE, guid, header, send, sendJson } from '../core/http.ts';
import { DEVOPS_APP_ID } from '../core/directory.ts';
import type { Router } from '../core/router.ts';
import type { User } from '../types.ts';
import type { TokenEnv } from './entra/issue.ts';
import { bearerToken, scopesOf, verifyBearer } from './entra/verify.ts';
import { devopsErrorBody, negotiateVersion, type ResourceVersioning } from './devopsVersion.ts';
import type { SampleDevOps } from '../../../src/dev/sample/devops.ts';
import { AZDO_PREFIX, sampleRequest, sendSample } from './sample.ts';

export const DEVOPS_PREFIX = '/devops';
const PROFILE: ResourceVersioning = { maxResourceVersion: 3, released: false };
const ACCOUNTS: ResourceVersioning = { maxResourceVersion: 1, released: true };
const UNAUTHORIZED_NS = 'Microsoft.TeamFoundation.Framework.Server';

function signInPage(url: string): string {
  return `<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8"><title>Azure DevOps Services | Sign In</title></head>
<body><div id="signin">Sign in to Azure DevOps. <a href="${url}/_signin?realm=app.vssps.visualstudio.com">Continue</a></div></body></html>
`;
}

/** Stable GUID-shaped id derived from a name (DevOps account ids). */
function nameGuid(name: string): string {
  const h = createHash('sha1').update(`devops-account:${name.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function common(env: TokenEnv): Record<string, string> {
  const activity = guid();
  return { activityid: activity, 'x-tfs-processid': activity, 'x-vss-e2eid': activity, 'x-vss-resourcetenant': env.dir.tenantId };
}

/** Answer an unauthenticated request the way DevOps does: a 203 sign-in page unless redirects are suppressed. */
export function unauthorized(ctx: Ctx, env: TokenEnv, who = ''): void {
  const url = env.dir.url;
  const suppress = (header(ctx, 'x-tfs-fedauthredirect') ?? '').toLowerCase() === 'suppress';
  if (!suppress && (ctx.method === 'GET' || ctx.method === 'POST')) {
    return send(ctx, 203, signInPage(url), { 'content-type': 'text/html; charset=utf-8', ...common(env) });
  }
  const message = `TF400813: The user '${who}' is not authorized to access this resource.`;
  sendJson(ctx, 401, devopsErrorBody('UnauthorizedRequestException', message, UNAUTHORIZED_NS), {
    'www-authenticate': `Bearer authorization_uri=${url}/${env.dir.tenantId}, Basic realm="${url}${DEVOPS_PREFIX}/", TFS-Federated`,
    'x-tfs-fedauthrealm': `${url}${DEVOPS_PREFIX}/`,
    'x-tfs-fedauthissuer': `${url}${DEVOPS_PREFIX}/`,
    'x-tfs-serviceerror': encodeURIComponent(message),
    ...common(env),
  });
}

/** The signed-in user for a delegated DevOps token, or undefined after answering the request. */
async function authenticate(ctx: Ctx, env: TokenEnv): Promise<User | undefined> {
  const v = await verifyBearer(env, bearerToken(ctx), [DEVOPS_APP_ID]);
  if (!v.ok) return void unauthorized(ctx, env);
  const scp = scopesOf(v.claims).map((s) => s.toLowerCase());
  const user = typeof v.claims.oid === 'string' ? env.dir.getUser(v.claims.oid) : undefined;
  if (!user || !(scp.includes('user_impersonation') || scp.includes('vso.profile'))) return void unauthorized(ctx, env, String(v.claims.oid ?? ''));
  return user;
}

function profileBody(u: User): Record<string, unknown> {
  const ts = '2024-01-15T09:30:00.1234567+00:00';
  return { displayName: u.displayName, publicAlias: u.devopsProfileId, emailAddress: u.mail, coreRevision: 412345678, timeStamp: ts, id: u.devopsProfileId, revision: 412345678 };
}

async function profile(env: TokenEnv, ctx: Ctx): Promise<void> {
  const user = await authenticate(ctx, env);
  if (!user) return;
  const v = negotiateVersion(ctx, PROFILE);
  if (!v.ok) return sendJson(ctx, v.failure.status, v.failure.body, common(env));
  const id = ctx.params[0]!.toLowerCase();
  if (id !== 'me' && id !== user.devopsProfileId) {
    return sendJson(ctx, 404, devopsErrorBody('ProfileDoesNotExistException', `VS10000002: Profile with id '${ctx.params[0]}' does not exist.`, 'Microsoft.VisualStudio.Services.Profile'), common(env));
  }
  sendJson(ctx, 200, profileBody(user), common(env));
}

async function accounts(env: TokenEnv, ctx: Ctx): Promise<void> {
  const user = await authenticate(ctx, env);
  if (!user) return;
  const v = negotiateVersion(ctx, ACCOUNTS);
  if (!v.ok) return sendJson(ctx, v.failure.status, v.failure.body, common(env));
  const memberId = ctx.query.get('memberId') ?? ctx.query.get('ownerId');
  if (memberId === null || memberId === '') {
    return sendJson(ctx, 400, devopsErrorBody('ArgumentException', 'Either memberId or ownerId must be supplied.', 'System'), common(env));
  }
  if (!GUID_RE.test(memberId)) {
    return sendJson(ctx, 400, devopsErrorBody('ArgumentException', `The value '${memberId}' of parameter memberId is not a valid GUID.`, 'System'), common(env));
  }
  if (memberId.toLowerCase() !== user.devopsProfileId) {
    const message = `TF400813: The user '${user.oid}' is not authorized to access this resource.`;
    return sendJson(ctx, 401, devopsErrorBody('UnauthorizedRequestException', message, UNAUTHORIZED_NS), common(env));
  }
  const value = user.devopsOrgs.map((name) => ({ accountId: nameGuid(name), accountUri: `https://vssps.dev.azure.com/${name}/`, accountName: name, properties: {} }));
  sendJson(ctx, 200, { count: value.length, value }, common(env));
}

/**
 * Organisation APIs (dev.azure.com/{org}/...) from the product's sample tenant, under /azdo, behind the same
 * token check as the profile service: a delegated DevOps token of a known user, or DevOps' sign-in answer.
 */
export function registerAzdo(router: Router, env: TokenEnv, sample: SampleDevOps): void {
  router.on('*', /^\/azdo\/.+$/, async (ctx) => {
    const v = await verifyBearer(env, bearerToken(ctx), [DEVOPS_APP_ID]);
    if (!v.ok) return unauthorized(ctx, env);
    const user = typeof v.claims.oid === 'string' ? env.dir.getUser(v.claims.oid) : undefined;
    const scopes = scopesOf(v.claims);
    if (!user || scopes.length === 0) return unauthorized(ctx, env, String(v.claims.oid ?? ''));
    const r = sample.api(sampleRequest(ctx, AZDO_PREFIX), { oid: user.oid, scopes });
    if (!r) return sendJson(ctx, 404, devopsErrorBody('VssResourceNotFoundException', `The resource ${ctx.path.slice(AZDO_PREFIX.length)} could not be found (emulator).`), common(env));
    sendSample(ctx, { ...r, headers: { ...common(env), ...r.headers } });
  });
}

export function registerDevops(router: Router, env: TokenEnv): void {
  router.get(/^\/devops\/_apis\/profile\/profiles\/([^/]+)$/i, (ctx) => profile(env, ctx));
  router.get(/^\/devops\/_apis\/accounts$/i, (ctx) => accounts(env, ctx));
  router.fallback(/^\/devops(\/|$)/i, (ctx) => {
    sendJson(ctx, 404, devopsErrorBody('VssResourceNotFoundException', `The resource ${ctx.path.slice(DEVOPS_PREFIX.length)} could not be found (emulator).`), common(env));
  });
}
