/**
 * Who may get tokens for the server: the users group, assigned to the app (default role). Assigning
 * a group to an app needs Microsoft Entra ID P1 or P2 ("Groups are not available for assignment due
 * to your Active Directory plan level" in the portal, MicrosoftDocs/azure-docs#83577). A tenant
 * without it is recognised up front from its subscribed plans (/organization assignedPlans,
 * AADPremiumService), or from Graph refusing the assignment the way it refuses premium-only operations
 * (403 Authorization_RequestDenied "Only companies who have purchased AAD Premium may perform this
 * operation.", as quoted in aztfmod/terraform-azurerm-caf#1026; the exact text for app-role assignments
 * is not documented). Then the signed-in user is assigned directly instead, and the run says so; a
 * service principal has no user to assign, and says who must be assigned by hand.
 */
import type { Step, StepContext } from '../types.ts';
import { codeOf, statusOf } from '../../azure/errors.ts';
import { need, optional } from './util.ts';

const DEFAULT_ROLE = '00000000-0000-0000-0000-000000000000';

interface Assignment {
  id: string;
  principalId: string;
}

/** Does the tenant have Entra ID P1 or P2? undefined when its plans cannot be read. */
async function premium(ctx: StepContext): Promise<boolean | undefined> {
  const orgs = await ctx.graph.list<{ assignedPlans?: { service?: string; capabilityStatus?: string }[] }>('/organization?$select=assignedPlans').catch(() => undefined);
  if (!orgs?.length) return undefined;
  return orgs.some((o) => (o.assignedPlans ?? []).some((p) => p.service === 'AADPremiumService' && p.capabilityStatus === 'Enabled'));
}

function isPremiumRefusal(err: unknown): boolean {
  return statusOf(err) === 403 && codeOf(err) === 'Authorization_RequestDenied' && /premium|plan level|licen[cs]e/i.test((err as Error).message);
}

const byHand = (ctx: StepContext) =>
  `This tenant has no Microsoft Entra ID P1/P2, so the users group cannot be assigned to the app: assign each user to "${ctx.names.application}" (Entra admin center > Enterprise applications > Users and groups), or run \`mcp-obo provision\` signed in as that user.`;
const direct = (ctx: StepContext) =>
  `This tenant has no Microsoft Entra ID P1/P2, so the users group cannot be assigned to the app: you were assigned directly. Assign other users to "${ctx.names.application}" the same way (Entra admin center > Enterprise applications > Users and groups); membership of the group does not grant access.`;

async function assignments(ctx: StepContext, spId: string): Promise<Assignment[]> {
  // The service principal may be seconds old: its assignments can 404 until it has replicated.
  return ctx.retry('group assignment', () => ctx.graph.list<Assignment>(`/servicePrincipals/${spId}/appRoleAssignedTo`), { propagation: true });
}

async function assign(ctx: StepContext, spId: string, principalId: string): Promise<Assignment> {
  return ctx.retry('group assignment', () => ctx.graph.post<Assignment>(`/servicePrincipals/${spId}/appRoleAssignedTo`, { principalId, resourceId: spId, appRoleId: DEFAULT_ROLE }), { propagation: true });
}

export const groupAssignmentStep: Step = {
  id: 'groupAssignment',
  title: 'group assigned to the app',
  dependsOn: ['group', 'servicePrincipal'],
  plane: 'entra',
  async plan(ctx) {
    const { group, servicePrincipal } = ctx.store.deployment.resources;
    const p1 = await premium(ctx);
    const user = ctx.caller.kind === 'user';
    if (p1 === false && !user) return { action: 'skip', detail: 'no Entra ID P1/P2: assign users by hand' };
    const fallback = p1 === false ? 'you directly: no Entra ID P1/P2' : undefined;
    if (!group || !servicePrincipal) return { action: 'create', detail: fallback };
    const list = await optional(() => ctx.graph.list<Assignment>(`/servicePrincipals/${servicePrincipal.objectId}/appRoleAssignedTo`));
    const holder = p1 === false ? ctx.caller.objectId : group.objectId;
    return list?.some((a) => a.principalId === holder) ? { action: 'unchanged', detail: fallback } : { action: 'create', detail: fallback };
  },
  async apply(ctx, planned) {
    if (planned.action === 'skip') return ctx.note(byHand(ctx));
    const group = need(ctx.store.deployment.resources.group, 'the users group');
    const sp = need(ctx.store.deployment.resources.servicePrincipal, 'the service principal');
    const existing = await assignments(ctx, sp.objectId);
    if ((await premium(ctx)) !== false) {
      const found = existing.find((a) => a.principalId === group.objectId);
      try {
        const assignment = found ?? (await assign(ctx, sp.objectId, group.objectId));
        return ctx.store.setResource('groupAssignment', { id: assignment.id, principalType: 'Group' });
      } catch (err) {
        if (!isPremiumRefusal(err)) throw err;
      }
    }
    if (ctx.caller.kind !== 'user') return ctx.note(byHand(ctx));
    const mine = existing.find((a) => a.principalId === ctx.caller.objectId) ?? (await assign(ctx, sp.objectId, ctx.caller.objectId));
    ctx.note(direct(ctx));
    await ctx.store.setResource('groupAssignment', { id: mine.id, principalType: 'User' });
  },
};
