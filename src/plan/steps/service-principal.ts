/** The app's service principal, with assignment required: only members of the group get tokens. */
import type { Step, StepContext } from '../types.ts';
import { need, optional } from './util.ts';

interface ServicePrincipal {
  id: string;
  appId: string;
  appRoleAssignmentRequired?: boolean;
  tags?: string[];
}

async function find(ctx: StepContext, appId: string) {
  return optional(() => ctx.graph.get<ServicePrincipal>(`/servicePrincipals(appId='${appId}')`));
}

export const servicePrincipalStep: Step = {
  id: 'servicePrincipal',
  title: 'service principal (assignment required)',
  dependsOn: ['application'],
  plane: 'entra',
  async plan(ctx) {
    const app = ctx.store.deployment.resources.application;
    if (!app) return { action: 'create' };
    const sp = await find(ctx, app.appId);
    if (!sp) return { action: 'create' };
    return sp.appRoleAssignmentRequired ? { action: 'unchanged' } : { action: 'update', detail: 'assignment required' };
  },
  async apply(ctx, planned) {
    const app = need(ctx.store.deployment.resources.application, 'the app registration');
    let sp = await find(ctx, app.appId);
    if (!sp) {
      // Right after the app is created Entra may not know it yet ("does not reference a valid application object").
      sp = await ctx.retry(
        'service principal',
        () => ctx.graph.post<ServicePrincipal>('/servicePrincipals', { appId: app.appId, appRoleAssignmentRequired: true, tags: ['mcp-obo', ctx.names.entraTag, 'WindowsAzureActiveDirectoryIntegratedApp'] }),
        { propagation: true },
      );
    } else if (planned.action === 'update') {
      const id = sp.id;
      await ctx.retry('service principal', () => ctx.graph.patch(`/servicePrincipals/${id}`, { appRoleAssignmentRequired: true }), { propagation: true });
    }
    await ctx.store.setResource('servicePrincipal', { objectId: sp.id });
  },
};
