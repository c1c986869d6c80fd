import type { ResourceGroup } from '@azure/arm-resources';
import { UsageError } from '../../errors.ts';
import type { Step } from '../types.ts';
import { armTags, optional, planOwned } from './util.ts';

export const resourceGroupStep: Step = {
  id: 'resourceGroup',
  title: 'resource group',
  dependsOn: [],
  plane: 'arm',
  async plan(ctx) {
    const rg = await optional(async () => (await ctx.azure.resources()).resourceGroups.get(ctx.names.resourceGroup));
    if (!rg) return { action: 'create' };
    const location = ctx.store.deployment.location;
    if (rg.location.toLowerCase().replace(/\s/g, '') !== location) {
      throw new UsageError(`resource group ${ctx.names.resourceGroup} already exists in ${rg.location}, not ${location}`, {
        suggestion: `Use the same region as before: \`mcp-obo init --force --location ${rg.location.toLowerCase().replace(/\s/g, '')}\`.`,
      });
    }
    return planOwned(ctx, rg);
  },
  async apply(ctx, planned) {
    const client = await ctx.azure.resources();
    const rg: ResourceGroup =
      planned.action === 'unchanged'
        ? await client.resourceGroups.get(ctx.names.resourceGroup)
        : await ctx.retry('resource group', () => client.resourceGroups.createOrUpdate(ctx.names.resourceGroup, { location: ctx.store.deployment.location, tags: armTags(ctx) }));
    await ctx.store.setResource('resourceGroup', { name: ctx.names.resourceGroup, id: rg.id! });
  },
};
