// Graph /me, /me/memberOf and /users/{id|upn}.
import { userJson } from '../../core/graphModels.ts';
import { DIRECTORY_ROLES } from '../../core/wellKnown.ts';
import type { JsonObject, User } from '../../types.ts';
import { badRequest, denied, notFound } from './errors.ts';
import type { GCtx, GraphRoutes } from './index.ts';
import { queryCollection } from './odata.ts';

const ME_SCOPES = new Set(['user.read', 'user.readwrite', 'user.read.all', 'user.readwrite.all', 'directory.read.all', 'directory.readwrite.all', 'directory.accessasuser.all']);

/** Graph's default user properties, in Graph's order. */
const DEFAULT_PROPS = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
const EXTRA_PROPS = ['department', 'accountEnabled', 'companyName', 'employeeId'];

function property(u: User, name: string): unknown {
  switch (name) {
    case 'id': return u.oid;
    case 'accountEnabled': return true;
    case 'companyName':
    case 'employeeId': return null;
    default: return (u as unknown as Record<string, unknown>)[name];
  }
}

function userBody(g: GCtx, user: User): JsonObject {
  for (const k of g.ctx.query.keys()) {
    if (k.startsWith('$') && k !== '$select') throw badRequest(`Query option '${k}' is not supported by the emulator on users.`, 'BadRequest');
  }
  let props = DEFAULT_PROPS;
  const select = g.ctx.query.get('$select');
  if (select !== null) {
    const all = [...DEFAULT_PROPS, ...EXTRA_PROPS];
    props = [];
    for (const raw of select.split(',').map((s) => s.trim()).filter(Boolean)) {
      const p = all.find((x) => x.toLowerCase() === raw.toLowerCase());
      if (!p) throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${raw}' on type 'microsoft.graph.user'.`, 'BadRequest');
      if (!props.includes(p)) props.push(p);
    }
    if (props.length === 0) throw badRequest("Invalid $select value: ''.", 'BadRequest');
  }
  const context = select === null ? `${g.base}/$metadata#users/$entity` : `${g.base}/$metadata#users(${props.join(',')})/$entity`;
  const body: JsonObject = { '@odata.context': context };
  for (const p of props) body[p] = property(user, p);
  return body;
}

/** The signed-in user of a delegated token (400 for app-only tokens, as Graph answers). */
function me(g: GCtx): User {
  if (!g.caller.delegated) throw badRequest('/me request is only valid with delegated authentication flow.', 'BadRequest');
  if (!g.caller.scopes.some((s) => ME_SCOPES.has(s.toLowerCase()))) throw denied();
  if (!g.caller.user) throw notFound(g.caller.oid);
  return g.caller.user;
}

/** A directory role object (its id is per tenant; here derived from the template id). */
function directoryRole(templateId: string): JsonObject {
  const displayName = Object.entries(DIRECTORY_ROLES).find(([, id]) => id === templateId)?.[0] ?? templateId;
  return { id: `${templateId.slice(0, 24)}${templateId.slice(-12).split('').reverse().join('')}`, deletedDateTime: null, description: displayName, displayName, roleTemplateId: templateId };
}

export function registerMe(routes: GraphRoutes): void {
  routes.on('GET', '/me', undefined, (g) => g.send(200, userBody(g, me(g))));
  // memberOf: the groups and directory roles the user is a direct member of; transitiveMemberOf adds the roles
  // held through (role-assignable) groups. The microsoft.graph.directoryRole cast keeps only roles
  // (learn.microsoft.com/graph/api/user-list-transitivememberof).
  for (const transitive of [false, true]) {
    const name = transitive ? 'transitiveMemberOf' : 'memberOf';
    routes.on('GET', `/me/${name}(?:/microsoft\\.graph\\.(group|directoryRole))?`, undefined, (g) => {
      const user = me(g);
      const groups = g.store.memberOf(user.oid).map((id) => ({ '@odata.type': '#microsoft.graph.group', ...g.store.groups.get(id)!.obj }));
      const roles = g.store.directoryRoles(user.oid, transitive).map((templateId) => ({ '@odata.type': '#microsoft.graph.directoryRole', ...directoryRole(templateId) }));
      const cast = g.m[0]?.toLowerCase();
      const items = cast === 'group' ? groups : cast === 'directoryrole' ? roles : [...groups, ...roles];
      g.send(200, queryCollection(g.ctx, `${g.base}/me/${name}`, `${g.base}/$metadata#directoryObjects`, items, { entity: 'directoryObject' }));
    });
  }
  routes.on('GET', '/users/([^/]+)', undefined, (g) => {
    const key = g.m[0]!.toLowerCase();
    const user = g.env.dir.getUser(key) ?? [...g.env.dir.users.values()].find((u) => u.userPrincipalName.toLowerCase() === key);
    if (!user) throw notFound(g.m[0]!);
    g.send(200, userBody(g, user));
  });
  routes.on('GET', '/users', undefined, (g) => {
    const users = [...g.env.dir.users.values()].map(userJson);
    g.send(200, queryCollection(g.ctx, `${g.base}/users`, `${g.base}/$metadata#users`, users, { entity: 'user', filterable: ['id', 'displayName', 'userPrincipalName', 'mail', 'givenName', 'surname'] }));
  });
}

