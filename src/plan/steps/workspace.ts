import type { Step } from '../types.ts';
import { armTags, optional, planOwned, pollOptions } from './util.ts';

export const workspaceStep: Step = {
  id: 'workspace',
  title: 'Log Analytics workspace',
  dependsOn: ['resourceGroup', 'providers'],
  plane: 'arm',
  async plan(ctx) {
    if (!ctx.store.deployment.resources.resourceGroup) return { action: 'create' };
    return planOwned(ctx, await optional(async () => (await ctx.azure.logAnalytics()).workspaces.get(ctx.names.resourceGroup, ctx.names.workspace)));
  },
  async apply(ctx, planned) {
    const client = await ctx.azure.logAnalytics();
    const ws =
      planned.action === 'unchanged'
        ? await client.workspaces.get(ctx.names.resourceGroup, ctx.names.workspace)
        : await ctx.retry('Log Analytics workspace', () =>
            client.workspaces.createOrUpdate(
              ctx.names.resourceGroup,
              ctx.names.workspace,
              { location: ctx.store.deployment.location, tags: armTags(ctx), sku: { name: 'PerGB2018' }, retentionInDays: 30 },
              pollOptions(ctx),
            ),
          );
    await ctx.store.setResource('workspace', { name: ctx.names.workspace, id: ws.id!, customerId: ws.customerId! });
  },
};
