/** The security group whose members may use the server (assigned to the app by assignment.ts), and you in it. */
import type { Step, StepContext } from '../types.ts';
import { codeOf } from '../../azure/errors.ts';
import { checkGroupAdoption } from './adopt.ts';
import { need, optional } from './util.ts';

interface Group {
  id: string;
  displayName: string;
  mailNickname?: string;
}

/** The group by the id saved in the deployment file, or by name (then `byName`: to be checked before adoption). */
export async function findGroup(ctx: StepContext): Promise<{ group: Group; byName: boolean } | undefined> {
  const saved = ctx.store.deployment.resources.group;
  if (saved) {
    const g = await optional(() => ctx.graph.get<Group>(`/groups/${saved.objectId}?$select=id,displayName,mailNickname`));
    if (g) return { group: g, byName: false };
  }
  const name = ctx.names.group.replace(/'/g, "''");
  const found = await ctx.graph.list<Group>(`/groups?$filter=displayName eq '${name}'&$select=id,displayName,mailNickname`);
  // Same name is not proof: the mail nickname carries the deployment id (and neither proves who made it: adopt.ts).
  const g = found.find((x) => x.mailNickname === ctx.names.groupMailNickname);
  return g ? { group: g, byName: true } : undefined;
}

/** The group this run may use: found by id, or found by name and safe to adopt. */
async function usableGroup(ctx: StepContext): Promise<Group | undefined> {
  const found = await findGroup(ctx);
  if (found?.byName) await checkGroupAdoption(ctx, found.group);
  return found?.group;
}

export const groupStep: Step = {
  id: 'group',
  title: 'users group',
  dependsOn: [],
  plane: 'entra',
  async plan(ctx) {
    return (await usableGroup(ctx)) ? { action: 'unchanged' } : { action: 'create' };
  },
  async apply(ctx) {
    const group =
      (await usableGroup(ctx)) ??
      (await ctx.retry('users group', () =>
        ctx.graph.post<Group>('/groups', {
          displayName: ctx.names.group,
          description: `Users of the mcp-obo MCP server ${ctx.names.slug} (${ctx.names.entraTag}).`,
          mailEnabled: false,
          mailNickname: ctx.names.groupMailNickname,
          // Owned by the caller from the start, whoever creates it (a user or an app with Group.Create).
          'owners@odata.bind': [`${ctx.cloud.graphEndpoint}/v1.0/directoryObjects/${ctx.caller.objectId}`],
          securityEnabled: true,
        }),
      ));
    await ctx.store.setResource('group', { objectId: group.id, displayName: group.displayName });
  },
};

export const groupMemberStep: Step = {
  id: 'groupMember',
  title: 'you, as a member of the users group',
  dependsOn: ['group'],
  plane: 'entra',
  async plan(ctx) {
    if (ctx.caller.kind !== 'user') return { action: 'skip', detail: 'signed in as a service principal' };
    const group = ctx.store.deployment.resources.group;
    if (!group) return { action: 'create' };
    const members = await optional(() => ctx.graph.list<{ id: string }>(`/groups/${group.objectId}/members?$select=id`));
    return members?.some((m) => m.id === ctx.caller.objectId) ? { action: 'unchanged' } : { action: 'create' };
  },
  async apply(ctx, planned) {
    if (planned.action === 'skip') return ctx.store.setResource('groupMember', { userObjectId: null });
    const group = need(ctx.store.deployment.resources.group, 'the users group');
    if (planned.action === 'create') {
      try {
        await ctx.retry(
          'group membership',
          () => ctx.graph.post(`/groups/${group.objectId}/members/$ref`, { '@odata.id': `${ctx.cloud.graphEndpoint}/v1.0/directoryObjects/${ctx.caller.objectId}` }),
          { propagation: true },
        );
      } catch (err) {
        if (!(codeOf(err) === 'Request_BadRequest' && /already exist/i.test((err as Error).message))) throw err;
      }
    }
    await ctx.store.setResource('groupMember', { userObjectId: ctx.caller.objectId });
  },
};
