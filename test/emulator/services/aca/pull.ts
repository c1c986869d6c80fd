// Image pull for a revision, as Container Apps does it: the registry credential configured for the
// image's server (a user-assigned identity needs a pull role on the registry), then the manifest.
import type { AcrImage, AcrStore } from '../../core/acrStore.ts';
import type { GraphStore } from '../../core/graphStore.ts';
import type { ArmInventory } from '../../core/inventory.ts';
import type { JsonObject } from '../../types.ts';
import { ROLE_DEFINITIONS } from '../arm/catalog.ts';

export type PullResult = { ok: true; image: AcrImage } | { ok: false; detail: string };

const REGISTRY_TYPE = 'Microsoft.ContainerRegistry/registries';
const ROLE_ASSIGNMENT_TYPE = 'Microsoft.Authorization/roleAssignments';
const lc = (s: unknown): string => String(s).toLowerCase();

/**
 * Does the principal (or a group it is in) hold a role that can pull, at the registry's scope or above?
 * A registry in "RBAC Registry + ABAC Repository Permissions" mode (roleAssignmentMode
 * AbacRepositoryPermissions) honours only the Container Registry Repository roles: "the AcrPull, AcrPush,
 * and AcrDelete roles aren't honored in an ABAC-enabled registry", and Owner, Contributor and Reader grant
 * control-plane rights only (learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions).
 * Conditions on assignments are not evaluated: a repository-scoped assignment counts as registry-wide.
 * An assignment younger than `propagationMs` does not count yet: RBAC changes take minutes to apply.
 */
export function canPull(inv: ArmInventory, store: GraphStore, principalId: string, registryId: string, propagationMs = 0): boolean {
  const holders = new Set([lc(principalId), ...store.memberOf(principalId).map(lc)]);
  const target = lc(registryId);
  const abac = ((inv.get(registryId)?.properties ?? {}) as JsonObject).roleAssignmentMode === 'AbacRepositoryPermissions';
  return [...inv.resources.values()].some((r) => {
    if (r.type !== ROLE_ASSIGNMENT_TYPE) return false;
    const p = r.properties as JsonObject;
    if (propagationMs > 0 && Date.parse(String(p.createdOn)) > Date.now() - propagationMs) return false;
    const scope = lc(p.scope);
    if (!holders.has(lc(p.principalId)) || !(target === scope || target.startsWith(`${scope}/`))) return false;
    const def = ROLE_DEFINITIONS.find((d) => lc(p.roleDefinitionId).endsWith(`/${d.id}`));
    if (def === undefined) return false;
    if (abac) return (def.dataActions ?? []).includes('Microsoft.ContainerRegistry/registries/repositories/content/read');
    return def.actions.some((x) => x === '*' || x === '*/read' || x === 'Microsoft.ContainerRegistry/registries/pull/read');
  });
}

/** The field error ACA reports for a container's image (wrapped by the caller). */
export function imageFieldError(container: string, detail: string): string {
  return `The following field(s) are either invalid or missing. Field 'template.containers.${container}.image' is invalid with details: '${detail}';..`;
}

export function checkPull(env: { inv: ArmInventory; acr: AcrStore; store: GraphStore }, app: JsonObject, ref: string, propagationMs = 0): PullResult {
  const resolved = env.acr.resolve(ref);
  if (!resolved) return { ok: false, detail: `Invalid value: "${ref}": invalid reference format` };
  const server = lc(ref.slice(0, ref.indexOf('/')));
  const registry = [...env.inv.resources.values()].find((r) => r.type === REGISTRY_TYPE && lc((r.properties as JsonObject).loginServer) === server);
  if (!registry) {
    return { ok: false, detail: `Invalid value: "${ref}": GET https://${server}/v2/: dial tcp: lookup ${server}: no such host (the emulator serves images only from registries in its ARM inventory)` };
  }
  const config = ((app.properties as JsonObject).configuration ?? {}) as JsonObject;
  const cred = ((config.registries ?? []) as JsonObject[]).find((r) => lc(r.server) === server);
  const unauthorized = `Invalid value: "${ref}": GET https://${server}/oauth2/token?scope=repository%3A${encodeURIComponent(resolved.repository)}%3Apull&service=${server}: UNAUTHORIZED: authentication required, visit https://aka.ms/acr/authorization for more information.`;
  let authorized = false;
  if (cred && typeof cred.identity === 'string' && cred.identity !== '') {
    const mi = env.inv.get(cred.identity);
    const principalId = mi ? String((mi.properties as JsonObject).principalId) : undefined;
    authorized = principalId !== undefined && canPull(env.inv, env.store, principalId, String(registry.id), propagationMs);
  } else if (cred && typeof cred.username === 'string') {
    // Admin-user credentials: the emulator never hands out the admin password, so only the name is checked.
    authorized = (registry.properties as JsonObject).adminUserEnabled === true && lc(cred.username) === lc(registry.name);
  }
  if (!authorized) return { ok: false, detail: unauthorized };
  if (!resolved.image) {
    const what = resolved.tag.startsWith('sha256:') ? `manifest ${resolved.tag} is not found` : `manifest tagged by "${resolved.tag}" is not found; map[Tag:${resolved.tag}]`;
    return { ok: false, detail: `Invalid value: "${ref}": GET https:: MANIFEST_UNKNOWN: ${what}` };
  }
  return { ok: true, image: resolved.image };
}
