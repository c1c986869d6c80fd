// User-assigned managed identities (synchronous). Creating one adds its service principal to the Graph
// directory (visible after the principal propagation delay) and makes the MI token endpoint serve it.
import { guid } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { checkName, childId, getResource, latency, requireLocation, requireRegistered, rgOf, systemData, tagsOf } from './common.ts';
import { armError } from './errors.ts';
import { type ACtx, type ArmRoutes, RG } from './index.ts';

export const IDENTITY_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';

/** Side effects of an identity leaving the inventory (its own DELETE or its resource group's). */
export function identityRemoved(a: ACtx, r: JsonObject): void {
  if (r.type !== IDENTITY_TYPE) return;
  const principalId = String((r.properties as JsonObject).principalId);
  const list = a.env.dir.extraIdentities;
  const i = list.findIndex((m) => m.principalId === principalId);
  if (i !== -1) list.splice(i, 1);
  a.env.store.removeSp(principalId);
}

export function registerIdentities(routes: ArmRoutes): void {
  const one = `${RG}/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities/([^/]+)`;

  routes.on('PUT', one, IDENTITY_TYPE, async (a) => {
    const [rgName, name] = [a.m[0]!, a.m[1]!];
    checkName(name, /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/, IDENTITY_TYPE, 'The name must be 3 to 128 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores.');
    const rg = rgOf(a, rgName, { write: true });
    const id = childId(rg, IDENTITY_TYPE, name);
    a.authorize(`${IDENTITY_TYPE}/write`, id, IDENTITY_TYPE);
    requireRegistered(a, IDENTITY_TYPE);
    const body = a.body();
    const region = requireLocation(body, IDENTITY_TYPE);
    const existing = a.inv.get(id);
    if (existing && existing.location !== region.name) {
      throw armError(400, 'InvalidResourceLocation', `The resource '${name}' already exists in location '${String(existing.location)}' in resource group '${String(rg.name)}'. A resource with the same name cannot be created in location '${region.name}'. Please select a new resource name.`);
    }
    await latency(a, IDENTITY_TYPE);
    // A PUT on an existing identity keeps its ids.
    const old = (existing?.properties ?? {}) as JsonObject;
    const properties = { isolationScope: 'None', tenantId: a.env.dir.tenantId, principalId: (old.principalId as string) ?? guid(), clientId: (old.clientId as string) ?? guid() };
    const mi: JsonObject = {
      location: region.name, tags: tagsOf(body) ?? {}, id, name, type: IDENTITY_TYPE, properties, systemData: systemData(a, existing?.systemData as JsonObject | undefined),
    };
    a.inv.put(mi);
    if (!existing) {
      a.env.dir.extraIdentities.push({ clientId: properties.clientId, principalId: properties.principalId, resourceId: id });
      a.env.store.addManagedIdentitySp({ principalId: properties.principalId, clientId: properties.clientId, name, resourceId: id });
    }
    a.send(existing ? 200 : 201, mi);
  });

  routes.on('GET', one, IDENTITY_TYPE, (a) => a.send(200, getResource(a, a.m[0]!, IDENTITY_TYPE, a.m[1]!)));

  routes.on('DELETE', one, IDENTITY_TYPE, async (a) => {
    const rg = rgOf(a, a.m[0]!);
    const id = childId(rg, IDENTITY_TYPE, a.m[1]!);
    a.authorize(`${IDENTITY_TYPE}/delete`, id, IDENTITY_TYPE);
    const mi = a.inv.get(id);
    if (!mi) return a.send(204);
    await latency(a, IDENTITY_TYPE);
    identityRemoved(a, mi);
    a.inv.remove(id);
    a.send(200);
  });
}
