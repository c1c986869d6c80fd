/**
 * `mcp-obo users add|remove|list`: who may sign in to the server. The app requires assignment, so
 * a user gets tokens for it only when assigned: through the deployment's users group (assigned to
 * the app by `provision`) or, in a tenant without Entra ID P1/P2 where a group cannot be assigned,
 * directly. Entra counts only the *direct* members of an assigned group ("All direct members of the
 * group will be considered assigned", learn.microsoft.com/graph/api/group-post-approleassignments),
 * so a group is never nested in the users group: it is assigned to the app itself, and a nested one
 * someone made by hand is listed with that warning.
 */
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import { codeOf, explain } from '../azure/errors.ts';
import { McpOboError, UsageError } from '../errors.ts';
import type { GraphApi } from '../graph/client.ts';
import { connect } from '../provision/connect.ts';
import type { Deployment } from '../state/deployment.ts';
import type { UsersChangeResult, UsersListResult } from '../contract/commands.ts';
import { deploymentName } from '../state/locate.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { resolvePrincipal, userName, type Principal } from './principals.ts';

const DEFAULT_ROLE = '00000000-0000-0000-0000-000000000000';

interface Assignment {
  id: string;
  principalId: string;
  principalType?: string;
  principalDisplayName?: string | null;
}

interface Member {
  '@odata.type'?: string;
  id: string;
  displayName?: string;
  userPrincipalName?: string;
}

export type Access = UsersListResult;
export type UsersChange = UsersChangeResult['changes'][number];
/**
 * An add or remove as it goes: the deployment and group once known, each change as it is made, so a
 * failure half-way still says what was done (`--json` prints it with the error).
 */
export type UsersRun = Omit<UsersChangeResult, 'deployment' | 'group'> & Partial<Pick<UsersChangeResult, 'deployment' | 'group'>>;

const OUTCOME_TEXT: Record<UsersChange['outcome'], string> = {
  'added-to-group': 'added to the users group',
  assigned: 'assigned to the app',
  'already-member': 'already a member',
  'already-assigned': 'already assigned',
  'removed-from-group': 'removed from the users group',
  'assignment-removed': 'assignment removed',
  'had-no-access': 'had no access',
};

interface Target {
  d: Deployment;
  name: string;
  graph: GraphApi;
  /** The cloud's Graph endpoint: members are added by their URL there. */
  graphEndpoint: string;
  group: { id: string; name: string };
  spId: string;
}

async function target(o: { deployment?: string }, ctx: CliContext): Promise<Target> {
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, o.deployment));
  const d = store.deployment;
  const { group, servicePrincipal } = d.resources;
  if (!group || !servicePrincipal) throw new UsageError('the deployment has no users group yet', { suggestion: 'Run `mcp-obo provision` first.' });
  const conn = await connect(d, ctx);
  // The group's name as Entra has it now (someone may have renamed it), not as the file remembers it.
  const live = await conn.graph.get<{ displayName?: string }>(`/groups/${group.objectId}?$select=displayName`).catch((err: unknown) => {
    throw explain(err, { tenantId: d.tenantId, action: `reading the users group ${group.displayName}` });
  });
  return { d, name: deploymentName(store.path), graph: conn.graph, graphEndpoint: conn.cloud.graphEndpoint, group: { id: group.objectId, name: live.displayName ?? group.displayName }, spId: servicePrincipal.objectId };
}

const kindOf = (t: string | undefined): Principal['kind'] => (/group/i.test(t ?? '') ? 'group' : /servicePrincipal/i.test(t ?? '') ? 'servicePrincipal' : 'user');
const assignmentsOf = (t: Target) => t.graph.list<Assignment>(`/servicePrincipals/${t.spId}/appRoleAssignedTo`);
// No $select: members are of several types, and each answers with its own default properties (a user its userPrincipalName).
const membersOf = (t: Target) => t.graph.list<Member>(`/groups/${t.group.id}/members`);

export async function listAccess(o: { deployment?: string }, ctx: CliContext): Promise<Access> {
  const t = await target(o, ctx);
  const [assignments, members] = await Promise.all([assignmentsOf(t), membersOf(t)]);
  return {
    mode: 'list',
    deployment: t.name,
    group: { ...t.group, assigned: assignments.some((a) => a.principalId === t.group.id) },
    members: members.map((m) => {
      const kind = kindOf(m['@odata.type']);
      return { kind, id: m.id, name: kind === 'user' ? userName(m) : (m.displayName ?? m.id), nested: kind === 'group' };
    }),
    assigned: assignments.filter((a) => a.principalId !== t.group.id).map((a) => ({ kind: kindOf(a.principalType), id: a.principalId, name: a.principalDisplayName ?? a.principalId })),
  };
}

function refused(err: unknown, t: Target, what: string): McpOboError {
  const e = explain(err, { tenantId: t.d.tenantId, action: what });
  if (codeOf(err) !== 'Authorization_RequestDenied') return e;
  return new McpOboError(e.message, {
    code: e.code,
    suggestion: `Changing who may use the server needs an owner of the group "${t.group.name}" (provision made you one if you ran it), or a Groups / Cloud Application Administrator; assigning a group to the app needs Microsoft Entra ID P1/P2.`,
    cause: err,
  });
}

/** Adds `who`, recording into `run` as it goes. */
export async function addUsers(who: string[], o: { deployment?: string }, ctx: CliContext, run: UsersRun): Promise<UsersChangeResult> {
  const t = await target(o, ctx);
  Object.assign(run, { deployment: t.name, group: t.group });
  const principals = [];
  for (const w of who) principals.push(await resolvePrincipal(t.graph, w)); // all resolved and checked before any change
  const app = principals.find((p) => p.kind === 'servicePrincipal');
  if (app) throw new UsageError(`${app.name} is an application, not a user or group`);
  const assignments = await assignmentsOf(t);
  const groupAssigned = assignments.some((a) => a.principalId === t.group.id);
  const changes = run.changes;
  for (const p of principals) {
    // A user goes into the users group; a group (nested, it would give its members nothing) and, without P1/P2, a user are assigned to the app.
    if (p.kind === 'user' && groupAssigned) {
      try {
        await t.graph.post(`/groups/${t.group.id}/members/$ref`, { '@odata.id': `${t.graphEndpoint}/v1.0/directoryObjects/${p.id}` });
        changes.push({ principal: p, outcome: 'added-to-group' });
      } catch (err) {
        if (codeOf(err) === 'Request_BadRequest' && /already exist/i.test((err as Error).message)) changes.push({ principal: p, outcome: 'already-member' });
        else throw refused(err, t, `adding ${p.name} to ${t.group.name}`);
      }
      continue;
    }
    if (assignments.some((a) => a.principalId === p.id)) {
      changes.push({ principal: p, outcome: 'already-assigned' });
      continue;
    }
    try {
      await t.graph.post(`/servicePrincipals/${t.spId}/appRoleAssignedTo`, { principalId: p.id, resourceId: t.spId, appRoleId: DEFAULT_ROLE });
      changes.push({ principal: p, outcome: 'assigned' });
    } catch (err) {
      throw refused(err, t, `assigning ${p.name} to the app`);
    }
  }
  return { mode: run.mode, deployment: t.name, group: t.group, changes };
}

/** Removes `who`, recording into `run` as it goes. */
export async function removeUsers(who: string[], o: { deployment?: string }, ctx: CliContext, run: UsersRun): Promise<UsersChangeResult> {
  const t = await target(o, ctx);
  Object.assign(run, { deployment: t.name, group: t.group });
  const principals = [];
  for (const w of who) principals.push(await resolvePrincipal(t.graph, w));
  if (principals.some((p) => p.id === t.group.id)) throw new UsageError(`"${t.group.name}" is the deployment's users group itself: remove its members instead`);
  const [assignments, members] = await Promise.all([assignmentsOf(t), membersOf(t)]);
  const changes = run.changes;
  for (const p of principals) {
    let outcome: UsersChange['outcome'] = 'had-no-access';
    try {
      if (members.some((m) => m.id === p.id)) {
        await t.graph.delete(`/groups/${t.group.id}/members/${p.id}/$ref`);
        outcome = 'removed-from-group';
      }
      const direct = assignments.find((a) => a.principalId === p.id);
      if (direct) {
        await t.graph.delete(`/servicePrincipals/${t.spId}/appRoleAssignedTo/${direct.id}`);
        outcome = 'assignment-removed';
      }
    } catch (err) {
      throw refused(err, t, `removing ${p.name}`);
    }
    changes.push({ principal: p, outcome });
  }
  return { mode: run.mode, deployment: t.name, group: t.group, changes };
}

/** `users list`, through the --json contract. */
export async function runUsersList(o: { deployment?: string; json?: boolean }, ctx: CliContext): Promise<void> {
  const access = await listAccess(o, ctx);
  createOutput(ctx, { json: o.json, stream: false }).result(access, (a) => printAccess(a, ctx));
}

/** `users add` / `users remove`, through the --json contract: a failure still reports what was done before it. */
export async function runUsersChange(mode: 'add' | 'remove', who: string[], o: { deployment?: string; json?: boolean }, ctx: CliContext): Promise<void> {
  const out = createOutput(ctx, { json: o.json, stream: false });
  const run: UsersRun = { mode, changes: [] };
  let result: UsersChangeResult;
  try {
    result = await (mode === 'add' ? addUsers : removeUsers)(who, o, ctx, run);
  } catch (err) {
    if (err instanceof McpOboError) throw out.failed(run, err, (r) => printChanges(r, ctx));
    throw err;
  }
  out.result(result, (r) => printChanges(r, ctx));
}

export function printAccess(a: Access, ctx: Pick<CliContext, 'stdout' | 'stderr'>): void {
  const out = (s: string) => ctx.stdout.write(s + '\n');
  out(`Users group "${a.group.name}"${a.group.assigned ? ' (assigned to the app: its direct members may sign in)' : ' (NOT assigned to the app: its members get no access; `mcp-obo provision` assigns it, which needs Entra ID P1/P2)'}:`);
  if (!a.members.length) out('  (no members)');
  for (const m of a.members) {
    out(`  ${m.kind.padEnd(5)}  ${m.name}  ${m.id}`);
    if (m.nested) out(`         nested: its members get NO access (Entra assigns only direct members of a group); \`mcp-obo users add ${m.id}\` assigns it to the app instead`);
  }
  if (a.assigned.length) {
    out('Assigned to the app directly:');
    for (const m of a.assigned) out(`  ${m.kind.padEnd(5)}  ${m.name}  ${m.id}`);
  }
}

export function printChanges(r: UsersRun, ctx: Pick<CliContext, 'stdout' | 'stderr'>): void {
  for (const c of r.changes) {
    const where = r.group && (c.outcome === 'added-to-group' || c.outcome === 'already-member' || c.outcome === 'removed-from-group') ? ` "${r.group.name}"` : '';
    ctx.stdout.write(`${c.principal.name}: ${OUTCOME_TEXT[c.outcome]}${where}\n`);
    if (c.principal.kind === 'group' && c.outcome === 'assigned') {
      ctx.stderr.write(`  ${c.principal.name}'s direct members may now sign in (Entra does not pass an app assignment on to nested groups).\n`);
    }
  }
  if (r.deployment && r.changes.some((c) => c.outcome === 'added-to-group' || c.outcome === 'assigned')) ctx.stderr.write(`A new member's next sign-in picks it up; check with \`mcp-obo test --deployment ${r.deployment}\` signed in as them.\n`);
}
