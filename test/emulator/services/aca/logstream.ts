// The Container Apps log stream host (`<region>.azurecontainerapps.dev` in Azure, the emulator here):
// console logs per replica container and the app's system event stream, authorised by getAuthToken.
import type { Ctx } from '../../core/http.ts';
import type { ArmInventory } from '../../core/inventory.ts';
import type { Router } from '../../core/router.ts';
import type { JsonObject } from '../../types.ts';
import { bearerToken } from '../entra/verify.ts';
import { containerLine, dotnetJson, type StreamFormat, statusLine } from './events.ts';
import type { AcaRuntime } from './runtime.ts';

export interface LogStreamEnv {
  inv: ArmInventory;
  aca: AcaRuntime;
  subscriptionId: string;
}

const APP = '^/subscriptions/([^/]+)/resourceGroups/([^/]+)/containerApps/([^/]+)';

function plain(ctx: Ctx, status: number, text: string, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers }).end(text);
}

/** The app named by the path, after the token check; undefined when the request was answered. */
function authorisedApp(env: LogStreamEnv, ctx: Ctx): JsonObject | undefined {
  const [sub, rg, name] = ctx.params as [string, string, string];
  const app = sub.toLowerCase() === env.subscriptionId ? env.inv.get(`/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.App/containerApps/${name}`) : undefined;
  if (!app) return void plain(ctx, 404, `Container app '${name}' was not found.`);
  if (!env.aca.checkToken(String(app.id), bearerToken(ctx))) return void plain(ctx, 401, 'Unauthorized', { 'www-authenticate': 'Bearer' });
  return app;
}

function options(ctx: Ctx): { tail: number; follow: boolean; format: StreamFormat } | undefined {
  const t = ctx.query.get('tailLines');
  const tail = t === null || t === '' ? 20 : Number(t);
  if (!Number.isInteger(tail) || tail < 0) return void plain(ctx, 400, `Invalid tailLines '${t}': use a whole number from 0 to 300.`);
  const f = (ctx.query.get('follow') ?? 'false').toLowerCase();
  if (f !== 'true' && f !== 'false') return void plain(ctx, 400, `Invalid follow '${f}': use true or false.`);
  const o = (ctx.query.get('output') ?? 'text').toLowerCase();
  if (o !== 'text' && o !== 'json') return void plain(ctx, 400, `Invalid output '${o}': use text or json.`);
  return { tail: Math.min(tail, 300), follow: f === 'true', format: o };
}

function start(ctx: Ctx, format: StreamFormat): void {
  ctx.res.writeHead(200, { 'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
}

function consoleLogs(env: LogStreamEnv, ctx: Ctx): void {
  const app = authorisedApp(env, ctx);
  if (!app) return;
  const [revName, replicaName, containerName] = [ctx.params[3]!, ctx.params[4]!, ctx.params[5]!];
  const rev = env.inv.get(`${String(app.id)}/revisions/${revName}`);
  const replica = env.aca.app(String(app.id))?.replicas.get(revName.toLowerCase());
  const container = rev ? ((((rev.properties as JsonObject).template as JsonObject).containers as JsonObject[])[0]!.name as string) : undefined;
  if (!rev || !replica || replica.spec.name !== replicaName || replica.state === 'stopped') return plain(ctx, 404, `Replica '${replicaName}' of revision '${revName}' was not found.`);
  if (container !== containerName) return plain(ctx, 404, `Container '${containerName}' was not found in replica '${replicaName}'.`);
  const o = options(ctx);
  if (!o) return;
  start(ctx, o.format);
  const res = ctx.res;
  res.write(statusLine(o.format, `Connecting to the container '${containerName}'...`));
  res.write(statusLine(o.format, `Successfully Connected to container: '${containerName}' [Revision: '${String(rev.name)}', Replica: '${replicaName}']`));
  for (const l of replica.tail(o.tail)) res.write(containerLine(o.format, l));
  if (!o.follow || (replica.state !== 'starting' && replica.state !== 'ready')) return void res.end();
  const stop = replica.follow((l) => {
    if (l === null) {
      stop();
      res.end();
    } else res.write(containerLine(o.format, l));
  });
  // The response's 'close' (not the request's: its body was read long ago) is the client going away.
  res.on('close', stop);
}

function systemLogs(env: LogStreamEnv, ctx: Ctx): void {
  const app = authorisedApp(env, ctx);
  if (!app) return;
  const o = options(ctx);
  if (!o) return;
  const rt = env.aca.app(String(app.id));
  start(ctx, 'json');
  const res = ctx.res;
  const events = rt?.events.events ?? [];
  for (const e of o.tail === 0 ? [] : events.slice(-o.tail)) res.write(`${dotnetJson(e)}\n`);
  if (!o.follow || !rt) return void res.end();
  const stop = rt.events.follow((e) => res.write(`${dotnetJson(e)}\n`));
  res.on('close', stop);
}

/** Register before the ARM catch-all: these paths start with /subscriptions/ but carry no /providers/. */
export function registerLogStream(router: Router, env: LogStreamEnv): void {
  router.get(new RegExp(`${APP}/revisions/([^/]+)/replicas/([^/]+)/containers/([^/]+)/logstream$`, 'i'), (ctx) => consoleLogs(env, ctx));
  router.get(new RegExp(`${APP}/eventstream$`, 'i'), (ctx) => systemLogs(env, ctx));
}
