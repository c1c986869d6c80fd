// Role assignments at any scope (subscription, resource group, resource) and built-in role definitions.
import { GUID_RE, isRecord } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { ROLE_DEFINITIONS, type RoleDef } from './catalog.ts';
import { latency, rgOf } from './common.ts';
import { ArmError, armError, principalNotFound, resourceNotFound } from './errors.ts';
import type { ACtx, ArmRoutes } from './index.ts';

const TYPE = 'Microsoft.Authorization/roleAssignments';
const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'];
const lc = (s: unknown): string => String(s).toLowerCase();

/** The canonical (stored-casing) scope; the resource group or resource must exist. */
function resolveScope(a: ACtx, raw: string): string {
  const s = raw.replace(/\/+$/, '');
  if (/^\/subscriptions\/[^/]+$/i.test(s)) return `/subscriptions/${a.sub}`;
  const m = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)(\/providers\/.+)?$/i.exec(s);
  if (!m) throw armError(400, 'InvalidScope', `The scope '${raw}' is not supported by the emulator.`);
  const rg = rgOf(a, m[1]!);
  if (!m[2]) return String(rg.id);
  const res = a.inv.get(s);
  if (!res) {
    const parts = m[2].split('/').filter(Boolean);
    throw resourceNotFound(parts.slice(1, -1).join('/'), parts[parts.length - 1]!, String(rg.name));
  }
  return String(res.id);
}

/** Built-in role definition named by a full id or a bare GUID. */
function roleDefinition(a: ACtx, ref: unknown): RoleDef {
  const m = typeof ref === 'string' ? /^(?:\/subscriptions\/([^/]+))?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(ref) : null;
  if (!m || (m[1] !== undefined && lc(m[1]) !== a.sub)) throw armError(400, 'InvalidRoleDefinitionId', `The role definition ID '${String(ref)}' is not valid.`);
  const def = ROLE_DEFINITIONS.find((d) => d.id === lc(m[2]));
  if (!def) throw armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${m[2]}' does not exist.`);
  return def;
}

const defId = (a: ACtx, id: string): string => `/subscriptions/${a.sub}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

function definitionJson(a: ACtx, d: RoleDef): JsonObject {
  return {
    properties: {
      roleName: d.roleName, type: 'BuiltInRole', description: d.description, assignableScopes: ['/'],
      permissions: [{ actions: d.actions, notActions: d.notActions ?? [], dataActions: d.dataActions ?? [], notDataActions: [] }],
      createdOn: '2015-02-02T21:55:09.8806423Z', updatedOn: '2024-01-01T00:00:00.0000000Z', createdBy: null, updatedBy: null,
    },
    id: defId(a, d.id), type: 'Microsoft.Authorization/roleDefinitions', name: d.id,
  };
}

const assignments = (a: ACtx): JsonObject[] => [...a.inv.resources.values()].filter((r) => r.type === TYPE);
const scopeOf = (r: JsonObject): string => String((r.properties as JsonObject).scope);
const above = (scope: string, target: string): boolean => lc(target) === lc(scope) || lc(target).startsWith(`${lc(scope)}/`);

/** `$filter`: atScope(), principalId eq '…', assignedTo('…'), joined with `and`. */
function listFilter(a: ACtx, scope: string, filter: string | null): (r: JsonObject) => boolean {
  const preds: Array<(r: JsonObject) => boolean> = [];
  let atScope = false;
  for (const c of (filter ?? '').split(/\s+and\s+/i).map((x) => x.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if (/^atScope\(\)$/i.test(c)) atScope = true;
    else if ((m = /^principalId\s+eq\s+'([^']*)'$/i.exec(c))) {
      const id = lc(m[1]);
      preds.push((r) => lc((r.properties as JsonObject).principalId) === id);
    } else if ((m = /^assignedTo\('([^']*)'\)$/i.exec(c))) {
      const ids = new Set([lc(m[1]), ...a.env.store.memberOf(m[1]!)]);
      preds.push((r) => ids.has(lc((r.properties as JsonObject).principalId)));
    } else {
      throw armError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'.`);
    }
  }
  return (r) => (above(scopeOf(r), scope) || (!atScope && above(scope, scopeOf(r)))) && preds.every((p) => p(r));
}

async function put(a: ACtx): Promise<void> {
  const [rawScope, name] = [a.m[0]!, a.m[1]!];
  if (!GUID_RE.test(name)) throw armError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
  const scope = resolveScope(a, rawScope);
  const id = `${scope}/providers/${TYPE}/${name.toLowerCase()}`;
  a.authorize(`${TYPE}/write`, id, TYPE);
  const body = a.body();
  const p = isRecord(body.properties) ? body.properties : undefined;
  if (!p) throw armError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'properties is required'.");
  const def = roleDefinition(a, p.roleDefinitionId);
  if (typeof p.principalId !== 'string' || !GUID_RE.test(p.principalId)) throw armError(400, 'InvalidPrincipalId', 'A valid principal ID must be provided for role assignment.');
  const principalId = lc(p.principalId);
  if (p.principalType !== undefined && !PRINCIPAL_TYPES.includes(String(p.principalType))) {
    throw armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'principalType ${String(p.principalType)}'.`);
  }
  if (a.inv.forcePrincipalNotFound > 0) {
    a.inv.forcePrincipalNotFound -= 1;
    throw principalNotFound(principalId, a.env.dir.tenantId);
  }
  // With principalType ARM skips the directory lookup (the documented replication-delay workaround).
  let principalType = p.principalType as string | undefined;
  if (principalType === undefined) {
    const found = a.env.store.principal(principalId);
    if (!found) throw principalNotFound(principalId, a.env.dir.tenantId);
    principalType = found.type;
  }
  const existing = a.inv.get(id);
  const same = (r: JsonObject): boolean => {
    const q = r.properties as JsonObject;
    return lc(q.principalId) === principalId && lc(q.roleDefinitionId) === lc(defId(a, def.id)) && lc(q.scope) === lc(scope);
  };
  if (existing && !same(existing)) throw armError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
  if (!existing && assignments(a).some(same)) throw armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  await latency(a, TYPE);
  if (existing) return a.send(200, existing);
  const now = new Date().toISOString();
  const ra: JsonObject = {
    properties: {
      roleDefinitionId: defId(a, def.id), principalId, principalType, scope, condition: p.condition ?? null, conditionVersion: p.conditionVersion ?? null, createdOn: now,
      updatedOn: now, createdBy: null, updatedBy: a.caller.oid, delegatedManagedIdentityResourceId: null, description: p.description ?? null,
    },
    id, type: TYPE, name: name.toLowerCase(),
  };
  a.inv.put(ra);
  a.send(201, ra);
}

export function registerRoleAssignments(routes: ArmRoutes): void {
  const one = `(.*)/providers/Microsoft\\.Authorization/roleAssignments/([^/]+)`;
  routes.on('PUT', one, TYPE, put);
  routes.on('GET', one, TYPE, (a) => {
    const ra = a.inv.get(`${resolveScope(a, a.m[0]!)}/providers/${TYPE}/${a.m[1]!}`);
    if (!ra) throw armError(404, 'RoleAssignmentNotFound', `The role assignment '${a.m[1]}' is not found.`);
    a.send(200, ra);
  });
  routes.on('DELETE', one, TYPE, async (a) => {
    let scope: string;
    try {
      scope = resolveScope(a, a.m[0]!);
    } catch (e) {
      if (e instanceof ArmError && e.status === 404) return a.send(204);
      throw e;
    }
    const id = `${scope}/providers/${TYPE}/${a.m[1]!}`;
    a.authorize(`${TYPE}/delete`, id, TYPE);
    const ra = a.inv.get(id);
    if (!ra) return a.send(204);
    await latency(a, TYPE);
    a.inv.remove(id);
    a.send(200, ra);
  });
  routes.on('GET', `(.*)/providers/Microsoft\\.Authorization/roleAssignments`, TYPE, (a) => {
    const scope = resolveScope(a, a.m[0]!);
    a.send(200, { value: assignments(a).filter(listFilter(a, scope, a.ctx.query.get('$filter'))) });
  });

  routes.on('GET', `(.*)/providers/Microsoft\\.Authorization/roleDefinitions/([^/]+)`, 'Microsoft.Authorization/roleDefinitions', (a) => {
    resolveScope(a, a.m[0]!);
    const def = ROLE_DEFINITIONS.find((d) => d.id === lc(a.m[1]));
    if (!def) throw armError(404, 'RoleDefinitionDoesNotExist', `The role definition '${a.m[1]}' could not be found.`);
    a.send(200, definitionJson(a, def));
  });
  routes.on('GET', `(.*)/providers/Microsoft\\.Authorization/roleDefinitions`, 'Microsoft.Authorization/roleDefinitions', (a) => {
    resolveScope(a, a.m[0]!);
    const filter = a.ctx.query.get('$filter');
    const m = filter === null ? null : /^\s*roleName\s+eq\s+'([^']*)'\s*$/i.exec(filter);
    if (filter !== null && !m && !/^\s*type\s+eq\s+'BuiltInRole'\s*$/i.test(filter)) throw armError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported.`);
    a.send(200, { value: ROLE_DEFINITIONS.filter((d) => !m || lc(d.roleName) === lc(m[1])).map((d) => definitionJson(a, d)) });
  });
}
