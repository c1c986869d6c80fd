import type { Step } from '../types.ts';
import { armTags, need, optional, planOwned, pollOptions } from './util.ts';

export const environmentStep: Step = {
  id: 'environment',
  title: 'Container Apps environment',
  dependsOn: ['workspace'],
  plane: 'arm',
  async plan(ctx) {
    const workspace = ctx.store.deployment.resources.workspace;
    if (!workspace) return { action: 'create' };
    const env = await optional(async () => (await ctx.azure.containerApps()).managedEnvironments.get(ctx.names.resourceGroup, ctx.names.environment));
    return planOwned(ctx, env, env && env.appLogsConfiguration?.logAnalyticsConfiguration?.customerId !== workspace.customerId ? 'log destination' : undefined);
  },
  async apply(ctx, planned) {
    const client = await ctx.azure.containerApps();
    let env;
    if (planned.action === 'unchanged') {
      env = await client.managedEnvironments.get(ctx.names.resourceGroup, ctx.names.environment);
    } else {
      const workspace = need(ctx.store.deployment.resources.workspace, 'the Log Analytics workspace');
      // The shared key is a secret: read it when needed, never stored.
      const keys = await ctx.retry('workspace keys', async () => (await ctx.azure.logAnalytics()).sharedKeys.getSharedKeys(ctx.names.resourceGroup, ctx.names.workspace));
      env = await ctx.retry('Container Apps environment', () =>
        client.managedEnvironments.createOrUpdate(
          ctx.names.resourceGroup,
          ctx.names.environment,
          {
            location: ctx.store.deployment.location,
            tags: armTags(ctx),
            appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: workspace.customerId, sharedKey: keys.primarySharedKey } },
          },
          pollOptions(ctx),
        ),
      );
    }
    await ctx.store.setResource('environment', { name: ctx.names.environment, id: env.id!, defaultDomain: env.defaultDomain });
  },
};
