import type { Step } from '../types.ts';
import { armTags, optional, planOwned } from './util.ts';

export const identityStep: Step = {
  id: 'identity',
  title: 'user-assigned managed identity',
  dependsOn: ['resourceGroup', 'providers'],
  plane: 'arm',
  async plan(ctx) {
    if (!ctx.store.deployment.resources.resourceGroup) return { action: 'create' };
    return planOwned(ctx, await optional(async () => (await ctx.azure.identities()).userAssignedIdentities.get(ctx.names.resourceGroup, ctx.names.identity)));
  },
  async apply(ctx, planned) {
    const client = await ctx.azure.identities();
    const mi =
      planned.action === 'unchanged'
        ? await client.userAssignedIdentities.get(ctx.names.resourceGroup, ctx.names.identity)
        : await ctx.retry('managed identity', () =>
            client.userAssignedIdentities.createOrUpdate(ctx.names.resourceGroup, ctx.names.identity, { location: ctx.store.deployment.location, tags: armTags(ctx) }),
          );
    await ctx.store.setResource('identity', { name: ctx.names.identity, id: mi.id!, clientId: mi.clientId!, principalId: mi.principalId! });
  },
};
