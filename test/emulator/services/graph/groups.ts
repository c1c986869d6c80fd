// Graph security groups and their members ($ref).
import { GUID_RE } from '../../core/http.ts';
import { newGroup, userJson } from '../../core/graphModels.ts';
import type { GroupRec } from '../../core/graphStore.ts';
import type { JsonObject } from '../../types.ts';
import { requireCreate, requireManage } from './authz.ts';
import { badRequest, invalidValue, notFound } from './errors.ts';
import { checkProps, entity, type GCtx, type GraphRoutes, PERM } from './index.ts';
import { queryCollection, selectProps } from './odata.ts';

const PROPS = ['displayName', 'description', 'mailEnabled', 'mailNickname', 'securityEnabled', 'groupTypes', 'visibility', 'isAssignableToRole'];
const FILTERABLE = ['id', 'displayName', 'mailNickname', 'securityEnabled', 'mailEnabled', 'groupTypes'];

function findGroup(g: GCtx, id = g.m[0]!): GroupRec {
  const rec = g.store.groups.get(id.toLowerCase());
  if (!rec || !g.store.visible(rec)) throw notFound(id);
  return rec;
}

function validate(body: JsonObject): void {
  if (typeof body.displayName !== 'string' || body.displayName.trim() === '') throw invalidValue('displayName', 'Group');
  if (typeof body.mailNickname !== 'string' || !/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{1,64}$/.test(body.mailNickname)) throw invalidValue('mailNickname', 'Group');
  if (body.mailEnabled !== false) throw invalidValue('mailEnabled', 'Group');
  if (body.securityEnabled !== true) throw invalidValue('securityEnabled', 'Group');
  if (body.groupTypes !== undefined && (!Array.isArray(body.groupTypes) || body.groupTypes.length > 0)) {
    throw badRequest('The emulator creates security groups only (groupTypes must be empty).');
  }
}

/** `@odata.id` of a directory object: Graph's host or the emulator's, v1.0 or beta. */
function refTarget(g: GCtx, ref: unknown): string {
  const m = typeof ref === 'string' ? /^https:\/\/[^/]+\/(?:v1\.0|beta)\/(?:directoryObjects|users|groups|servicePrincipals)\/([^/?]+)$/i.exec(ref) : null;
  if (!m || !GUID_RE.test(m[1]!)) throw badRequest(`Invalid URL format specified in @odata.id: ${String(ref)}.`, 'BadRequest');
  return m[1]!.toLowerCase();
}

function memberJson(g: GCtx, id: string): JsonObject {
  const u = g.env.dir.getUser(id);
  if (u) return { '@odata.type': '#microsoft.graph.user', ...userJson(u) };
  const grp = g.store.groups.get(id);
  if (grp) return { '@odata.type': '#microsoft.graph.group', ...grp.obj };
  const sp = g.store.sps.get(id);
  return { '@odata.type': '#microsoft.graph.servicePrincipal', ...(sp?.obj ?? { id }) };
}

export function registerGroups(routes: GraphRoutes): void {
  routes.on('POST', '/groups', PERM.groupCreate, (g) => {
    requireCreate(g, 'group');
    const { 'owners@odata.bind': ownersBind, 'members@odata.bind': membersBind, ...body } = g.body();
    checkProps(body, PROPS, 'group');
    validate(body);
    // owners@odata.bind / members@odata.bind name them at creation (learn.microsoft.com/graph/api/group-post-groups);
    // without owners the creator is the owner.
    const bound = (v: unknown, name: string): string[] | undefined => {
      if (v === undefined) return undefined;
      if (!Array.isArray(v)) throw badRequest(`Invalid value specified for property '${name}'.`, 'BadRequest');
      return v.map((ref) => {
        const id = refTarget(g, ref);
        if (!g.store.principal(id)) throw notFound(id);
        return id;
      });
    };
    const owners = bound(ownersBind, 'owners@odata.bind') ?? [g.caller.oid];
    const members = bound(membersBind, 'members@odata.bind') ?? [];
    const obj = newGroup(body);
    g.store.groups.set(String(obj.id), { obj, members, visibleAt: g.store.newVisibleAt(), owners });
    g.send(201, entity(g, 'groups/$entity', obj));
  });
  routes.on('GET', '/groups', PERM.groupRead, (g) => {
    const items = [...g.store.groups.values()].map((r) => r.obj);
    g.send(200, queryCollection(g.ctx, `${g.base}/groups`, `${g.base}/$metadata#groups`, items, { entity: 'group', filterable: FILTERABLE }));
  });
  routes.on('GET', '/groups/([^/]+)', PERM.groupRead, (g) => g.send(200, entity(g, 'groups/$entity', selectProps(findGroup(g).obj, g.ctx.query.get('$select')))));
  routes.on('PATCH', '/groups/([^/]+)', PERM.group, (g) => {
    const rec = findGroup(g);
    requireManage(g, rec, 'group');
    const body = g.body();
    checkProps(body, ['displayName', 'description'], 'group');
    if (body.displayName !== undefined && (typeof body.displayName !== 'string' || body.displayName === '')) throw invalidValue('displayName', 'Group');
    Object.assign(rec.obj, body);
    g.send(204);
  });
  routes.on('DELETE', '/groups/([^/]+)', PERM.group, (g) => {
    requireManage(g, findGroup(g), 'group');
    g.store.remove('group', g.m[0]!.toLowerCase());
    g.send(204);
  });

  routes.on('GET', '/groups/([^/]+)/members', PERM.groupRead, (g) => {
    const rec = findGroup(g);
    const items = rec.members.map((id) => memberJson(g, id));
    g.send(200, queryCollection(g.ctx, `${g.base}/groups/${String(rec.obj.id)}/members`, `${g.base}/$metadata#directoryObjects`, items, { entity: 'directoryObject' }));
  });
  routes.on('POST', '/groups/([^/]+)/members/\\$ref', PERM.group, (g) => {
    const rec = findGroup(g);
    requireManage(g, rec, 'group');
    const body = g.body();
    checkProps(body, [], 'directoryObject');
    const id = refTarget(g, body['@odata.id']);
    if (!g.store.principal(id)) throw notFound(id);
    if (rec.members.includes(id)) throw badRequest("One or more added object references already exist for the following modified properties: 'members'.");
    rec.members.push(id);
    g.send(204);
  });
  routes.on('DELETE', '/groups/([^/]+)/members/([^/]+)/\\$ref', PERM.group, (g) => {
    const rec = findGroup(g);
    requireManage(g, rec, 'group');
    const id = g.m[1]!.toLowerCase();
    if (!rec.members.includes(id)) throw notFound(id);
    rec.members = rec.members.filter((m) => m !== id);
    g.send(204);
  });
}
