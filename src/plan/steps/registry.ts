import type { Registry } from '@azure/arm-containerregistry';
import type { Step } from '../types.ts';
import { armTags, optional, planOwned, pollOptions } from './util.ts';

export const registryStep: Step = {
  id: 'registry',
  title: 'container registry',
  dependsOn: ['resourceGroup', 'providers'],
  plane: 'arm',
  async plan(ctx) {
    if (!ctx.store.deployment.resources.resourceGroup) return { action: 'create' };
    const acr = await optional(async () => (await ctx.azure.registry()).registries.get(ctx.names.resourceGroup, ctx.names.registry));
    return planOwned(ctx, acr, acr?.adminUserEnabled ? 'disable the admin user' : undefined);
  },
  async apply(ctx, planned) {
    const client = await ctx.azure.registry();
    let acr: Registry;
    if (planned.action === 'unchanged') {
      acr = await client.registries.get(ctx.names.resourceGroup, ctx.names.registry);
    } else if (planned.action === 'update') {
      acr = await ctx.retry('container registry', () =>
        client.registries.beginUpdateAndWait(ctx.names.resourceGroup, ctx.names.registry, { adminUserEnabled: false, tags: armTags(ctx) }, pollOptions(ctx)),
      );
    } else {
      // Basic SKU, no admin user: the app pulls with its managed identity (AcrPull).
      acr = await ctx.retry('container registry', () =>
        client.registries.beginCreateAndWait(
          ctx.names.resourceGroup,
          ctx.names.registry,
          { location: ctx.store.deployment.location, tags: armTags(ctx), sku: { name: 'Basic' }, adminUserEnabled: false },
          pollOptions(ctx),
        ),
      );
    }
    // The login server comes from the service (newer registries add a hash to the host name).
    await ctx.store.setResource('registry', { name: ctx.names.registry, id: acr.id!, loginServer: acr.loginServer! });
  },
};
