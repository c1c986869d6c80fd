// Owners of applications, service principals and groups ($ref), as Graph lists and changes them
// (learn.microsoft.com/graph/api/application-list-owners, application-post-owners, -delete-owners).
import { GUID_RE } from '../../core/http.ts';
import { userJson } from '../../core/graphModels.ts';
import type { Rec } from '../../core/graphStore.ts';
import type { JsonObject } from '../../types.ts';
import { requireManage } from './authz.ts';
import { badRequest, notFound } from './errors.ts';
import { checkProps, type GCtx, type GraphRoutes } from './index.ts';
import { queryCollection } from './odata.ts';

type Kind = 'application' | 'servicePrincipal' | 'group';
const COLLECTIONS: Record<string, Kind> = { applications: 'application', serviceprincipals: 'servicePrincipal', groups: 'group' };

function target(g: GCtx): { rec: Rec; kind: Kind } {
  const kind = COLLECTIONS[g.m[0]!.toLowerCase()]!;
  const id = g.m[1]!.toLowerCase();
  const rec = kind === 'application' ? g.store.apps.get(id) : kind === 'servicePrincipal' ? g.store.sps.get(id) : g.store.groups.get(id);
  if (!rec || !g.store.visible(rec)) throw notFound(g.m[1]!);
  return { rec, kind };
}

function ownerJson(g: GCtx, id: string): JsonObject {
  const u = g.env.dir.getUser(id);
  if (u) return { '@odata.type': '#microsoft.graph.user', ...userJson(u) };
  const sp = g.store.sps.get(id);
  return { '@odata.type': '#microsoft.graph.servicePrincipal', ...(sp?.obj ?? { id }) };
}

export function registerOwners(routes: GraphRoutes): void {
  const base = '/(applications|servicePrincipals|groups)/([^/()]+)/owners';
  routes.on('GET', base, undefined, (g) => {
    const { rec } = target(g);
    g.send(200, queryCollection(g.ctx, `${g.base}${g.ctx.path.replace(/^\/v1\.0/i, '')}`, `${g.base}/$metadata#directoryObjects`, (rec.owners ?? []).map((o) => ownerJson(g, o)), { entity: 'directoryObject' }));
  });
  routes.on('POST', `${base}/\\$ref`, ['Application.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'], (g) => {
    const { rec, kind } = target(g);
    requireManage(g, rec, kind);
    const body = g.body();
    checkProps(body, [], 'directoryObject');
    const m = typeof body['@odata.id'] === 'string' ? /\/directoryObjects\/([^/?]+)$/i.exec(body['@odata.id']) : null;
    if (!m || !GUID_RE.test(m[1]!)) throw badRequest(`Invalid URL format specified in @odata.id: ${String(body['@odata.id'])}.`, 'BadRequest');
    const id = m[1]!.toLowerCase();
    if (!g.store.principal(id)) throw notFound(id);
    if ((rec.owners ?? []).includes(id)) throw badRequest("One or more added object references already exist for the following modified properties: 'owners'.");
    rec.owners = [...(rec.owners ?? []), id];
    g.send(204);
  });
  routes.on('DELETE', `${base}/([^/]+)/\\$ref`, ['Application.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'], (g) => {
    const { rec, kind } = target(g);
    requireManage(g, rec, kind);
    const id = g.m[2]!.toLowerCase();
    if (!(rec.owners ?? []).includes(id)) throw notFound(id);
    rec.owners = rec.owners!.filter((o) => o !== id);
    g.send(204);
  });
}
