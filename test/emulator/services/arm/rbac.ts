// Azure RBAC as ARM applies it to a write: the caller's role assignments (its own and its groups')
// at the target scope or above, each role's Actions matched with wildcards, NotActions subtracted
// (learn.microsoft.com/azure/role-based-access-control/role-definitions#actions). Conditions and deny
// assignments are not modelled. A principal has exactly the roles it was given: the deployer and the
// default user start as Owner of the subscription, tests give others less.
import { createHash } from 'node:crypto';
import type { GraphStore } from '../../core/graphStore.ts';
import type { ArmInventory } from '../../core/inventory.ts';
import type { JsonObject } from '../../types.ts';
import { ROLE_DEFINITIONS, type RoleDef } from './catalog.ts';

const TYPE = 'Microsoft.Authorization/roleAssignments';
const lc = (s: unknown): string => String(s).toLowerCase();

/** `Microsoft.Authorization/*` matches `microsoft.authorization/roleassignments/write`. */
function matches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

export function roleAllows(def: RoleDef, action: string): boolean {
  return def.actions.some((a) => matches(a, action)) && !(def.notActions ?? []).some((n) => matches(n, action));
}

const covers = (scope: string, target: string): boolean => scope === '/' || lc(target) === lc(scope) || lc(target).startsWith(`${lc(scope)}/`);

/** May `oid` perform `action` at `target` (a resource id, resource group or subscription)? */
export function rbacAllows(inv: ArmInventory, store: GraphStore, oid: string, action: string, target: string): boolean {
  const holders = new Set([lc(oid), ...store.memberOf(oid).map(lc)]);
  return [...inv.resources.values()].some((r) => {
    if (r.type !== TYPE) return false;
    const p = r.properties as JsonObject;
    if (!holders.has(lc(p.principalId)) || !covers(String(p.scope), target)) return false;
    const def = ROLE_DEFINITIONS.find((d) => lc(p.roleDefinitionId).endsWith(`/${d.id}`));
    return def !== undefined && roleAllows(def, action);
  });
}

/** A role assignment made by the tenant's administrator (not through the ARM API): `role` by name or id. */
export function assignRole(inv: ArmInventory, sub: string, principalId: string, principalType: 'User' | 'Group' | 'ServicePrincipal', role: string, scope = `/subscriptions/${sub}`): JsonObject {
  const def = ROLE_DEFINITIONS.find((d) => d.id === lc(role) || lc(d.roleName) === lc(role));
  if (!def) throw new TypeError(`unknown role '${role}'`);
  const h = createHash('sha256').update(`${scope}|${principalId}|${def.id}`).digest('hex');
  const name = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const now = new Date().toISOString();
  return inv.put({
    properties: {
      roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${def.id}`, principalId: lc(principalId), principalType, scope, condition: null, conditionVersion: null,
      createdOn: now, updatedOn: now, createdBy: null, updatedBy: null, delegatedManagedIdentityResourceId: null, description: null,
    },
    id: `${scope === '/' ? '' : scope}/providers/${TYPE}/${name}`, type: TYPE, name,
  });
}

/** Remove every role assignment of a principal (what it was given). */
export function removeRoles(inv: ArmInventory, principalId: string): void {
  for (const r of [...inv.resources.values()]) if (r.type === TYPE && lc((r.properties as JsonObject).principalId) === lc(principalId)) inv.resources.delete(lc(String(r.id)));
}
