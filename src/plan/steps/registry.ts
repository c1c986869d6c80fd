/**
 * The container registry: Basic, no admin user, and the role-assignment mode pinned to
 * LegacyRegistryPermissions. In the other mode (AbacRepositoryPermissions, "RBAC Registry + ABAC
 * Repository Permissions") ACR no longer honours AcrPull, and ACR Tasks lose their default access
 * to the registry (learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions).
 * We pin the legacy mode rather than assign the ABAC repository roles: the registry holds one
 * repository for one app, so repository-scoped rights buy nothing, and AcrPull plus `az acr build`
 * semantics are what the deploy path, the Azure CLI and the portal all expect. A registry switched
 * to ABAC mode (by hand or by policy) is switched back, and the plan says so.
 */
import type { Registry } from '@azure/arm-containerregistry';
import type { Step } from '../types.ts';
import { armTags, optional, planOwned, pollOptions } from './util.ts';

export const ROLE_ASSIGNMENT_MODE = 'LegacyRegistryPermissions';

function drift(acr: Registry | undefined): string | undefined {
  if (!acr) return undefined;
  const out = [acr.adminUserEnabled ? 'disable the admin user' : undefined, acr.roleAssignmentMode && acr.roleAssignmentMode !== ROLE_ASSIGNMENT_MODE ? `role assignment mode ${acr.roleAssignmentMode} -> ${ROLE_ASSIGNMENT_MODE}` : undefined];
  return out.filter(Boolean).join(', ') || undefined;
}

export const registryStep: Step = {
  id: 'registry',
  title: 'container registry',
  dependsOn: ['resourceGroup', 'providers'],
  plane: 'arm',
  async plan(ctx) {
    if (!ctx.store.deployment.resources.resourceGroup) return { action: 'create' };
    const acr = await optional(async () => (await ctx.azure.registry()).registries.get(ctx.names.resourceGroup, ctx.names.registry));
    return planOwned(ctx, acr, drift(acr));
  },
  async apply(ctx, planned) {
    const client = await ctx.azure.registry();
    let acr: Registry;
    if (planned.action === 'unchanged') {
      acr = await client.registries.get(ctx.names.resourceGroup, ctx.names.registry);
    } else if (planned.action === 'update') {
      acr = await ctx.retry('container registry', () =>
        client.registries.beginUpdateAndWait(ctx.names.resourceGroup, ctx.names.registry, { adminUserEnabled: false, roleAssignmentMode: ROLE_ASSIGNMENT_MODE, tags: armTags(ctx) }, pollOptions(ctx)),
      );
    } else {
      // Basic SKU, no admin user: the app pulls with its managed identity (AcrPull).
      acr = await ctx.retry('container registry', () =>
        client.registries.beginCreateAndWait(
          ctx.names.resourceGroup,
          ctx.names.registry,
          { location: ctx.store.deployment.location, tags: armTags(ctx), sku: { name: 'Basic' }, adminUserEnabled: false, roleAssignmentMode: ROLE_ASSIGNMENT_MODE },
          pollOptions(ctx),
        ),
      );
    }
    // The login server comes from the service (newer registries add a hash to the host name).
    await ctx.store.setResource('registry', { name: ctx.names.registry, id: acr.id!, loginServer: acr.loginServer! });
  },
};
