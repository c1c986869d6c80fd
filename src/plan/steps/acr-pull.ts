/**
 * AcrPull for the managed identity on the registry, so the app pulls images without a password.
 * principalType is sent so ARM skips its directory lookup of a principal created seconds ago;
 * PrincipalNotFound is still retried, and an assignment that already exists counts as done.
 */
import type { Step, StepContext } from '../types.ts';
import { codeOf } from '../../azure/errors.ts';
import { need, stableUuid } from './util.ts';

export const ACR_PULL_ROLE = '7f951dda-4ed3-4680-a7ca-43fe172d538d';

async function existing(ctx: StepContext, scope: string, principalId: string) {
  const client = await ctx.azure.authorization();
  for await (const ra of client.roleAssignments.listForScope(scope.replace(/^\//, ''), { filter: `principalId eq '${principalId}'` })) {
    if (ra.roleDefinitionId?.toLowerCase().endsWith(ACR_PULL_ROLE) && ra.scope?.toLowerCase() === scope.toLowerCase()) return ra;
  }
  return undefined;
}

export const acrPullStep: Step = {
  id: 'acrPull',
  title: 'AcrPull role for the identity on the registry',
  dependsOn: ['registry', 'identity'],
  plane: 'arm',
  async plan(ctx) {
    const { registry, identity } = ctx.store.deployment.resources;
    if (!registry || !identity) return { action: 'create' };
    return (await existing(ctx, registry.id, identity.principalId)) ? { action: 'unchanged' } : { action: 'create' };
  },
  async apply(ctx) {
    const registry = need(ctx.store.deployment.resources.registry, 'the registry');
    const identity = need(ctx.store.deployment.resources.identity, 'the managed identity');
    let found = await existing(ctx, registry.id, identity.principalId);
    if (!found) {
      const client = await ctx.azure.authorization();
      const roleDefinitionId = `/subscriptions/${ctx.store.deployment.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`;
      try {
        found = await ctx.retry(
          'AcrPull role assignment',
          () =>
            client.roleAssignments.create(registry.id.replace(/^\//, ''), stableUuid(registry.id, identity.principalId, ACR_PULL_ROLE), {
              roleDefinitionId,
              principalId: identity.principalId,
              principalType: 'ServicePrincipal',
            }),
          { propagation: true },
        );
      } catch (err) {
        if (codeOf(err) !== 'RoleAssignmentExists') throw err;
        found = await existing(ctx, registry.id, identity.principalId);
      }
    }
    await ctx.store.setResource('acrPull', { id: need(found?.id, 'the role assignment id') });
  },
};
