/**
 * Every right a provision run will need, derived from its plan and checked before anything is
 * created: Azure roles (the caller's role assignments, its groups' included, against the actions of
 * each write), and in Entra either directory roles (a user: held directly or through groups, plus
 * what the tenant lets every user do, plus what they own) or Microsoft Graph application permissions
 * (a service principal: the `roles` of its Graph token). A right that cannot be read (no permission
 * to look) is not reported missing: the write itself decides then.
 */
import type { Planned, StepContext } from '../plan/types.ts';
import { AZURE_DEVOPS_APP_ID, ENTRA_ROLES as R } from '../graph/constants.ts';
import { optional } from '../plan/steps/util.ts';

const APP_CREATORS = [R.globalAdministrator, R.applicationAdministrator, R.cloudApplicationAdministrator, R.applicationDeveloper];
const APP_ADMINS = [R.globalAdministrator, R.applicationAdministrator, R.cloudApplicationAdministrator];
const GROUP_ADMINS = [R.globalAdministrator, R.groupsAdministrator, R.userAdministrator, R.directoryWriters];
const ASSIGNMENT_ADMINS = [R.globalAdministrator, R.applicationAdministrator, R.cloudApplicationAdministrator, R.userAdministrator, R.privilegedRoleAdministrator, R.directoryWriters];
const CONSENT_ADMINS = [R.globalAdministrator, R.privilegedRoleAdministrator, R.applicationAdministrator, R.cloudApplicationAdministrator];

/** A step's plan; undefined when it could not be made (then the run may well have to create it). */
export type PlanOf = (stepId: string) => Planned | undefined;

const changes = (p: Planned | undefined) => !p || p.action === 'create' || p.action === 'update';

/** `Microsoft.Authorization/*` matches `Microsoft.Authorization/roleAssignments/write`, case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

interface Grant {
  scope: string;
  permissions: { actions: string[]; notActions: string[] }[];
}

async function armGrants(ctx: StepContext): Promise<Grant[] | undefined> {
  try {
    const auth = await ctx.azure.authorization();
    const defs = new Map<string, Grant['permissions']>();
    const out: Grant[] = [];
    // assignedTo() includes the groups the caller is in, at, above and below the subscription.
    for await (const ra of auth.roleAssignments.listForSubscription({ filter: `assignedTo('${ctx.caller.objectId}')` })) {
      const id = ra.roleDefinitionId ?? '';
      if (!defs.has(id)) {
        const def = await auth.roleDefinitions.getById(id);
        defs.set(id, (def.permissions ?? []).map((p) => ({ actions: p.actions ?? [], notActions: p.notActions ?? [] })));
      }
      out.push({ scope: ra.scope ?? '', permissions: defs.get(id)! });
    }
    return out;
  } catch {
    return undefined;
  }
}

const covers = (scope: string, target: string) => scope === '/' || target.toLowerCase() === scope.toLowerCase() || target.toLowerCase().startsWith(`${scope.toLowerCase()}/`) || /^\/providers\/Microsoft\.Management\/managementGroups\//i.test(scope);

function allowed(grants: Grant[], action: string, target: string): boolean {
  return grants.some((g) => covers(g.scope, target) && g.permissions.some((p) => p.actions.some((a) => actionMatches(a, action)) && !p.notActions.some((n) => actionMatches(n, action))));
}

function armNeeds(ctx: StepContext, plan: PlanOf): { action: string; target: string; what: string; fix: string }[] {
  const n = ctx.names;
  const sub = `/subscriptions/${ctx.store.deployment.subscriptionId}`;
  const rg = `${sub}/resourceGroups/${n.resourceGroup}`;
  const contributor = `Contributor or Owner on resource group ${n.resourceGroup} or the subscription`;
  const out: { action: string; target: string; what: string; fix: string }[] = [];
  const need = (step: string, action: string, target: string, what: string, fix = contributor) => changes(plan(step)) && out.push({ action, target, what, fix });
  const missing = plan('providers')?.action === 'update' ? (plan('providers')!.detail ?? '').split(', ').filter(Boolean) : [];
  for (const ns of missing) out.push({ action: `${ns}/register/action`, target: sub, what: `registering ${ns}`, fix: `Contributor or Owner on the subscription, or have an administrator run \`az provider register -n ${ns}\`` });
  need('resourceGroup', 'Microsoft.Resources/subscriptions/resourceGroups/write', rg, `resource group ${n.resourceGroup}`, 'Contributor or Owner on the subscription (or on an existing resource group of that name)');
  need('workspace', 'Microsoft.OperationalInsights/workspaces/write', `${rg}/providers/Microsoft.OperationalInsights/workspaces/${n.workspace}`, 'the Log Analytics workspace');
  need('environment', 'Microsoft.App/managedEnvironments/write', `${rg}/providers/Microsoft.App/managedEnvironments/${n.environment}`, 'the Container Apps environment');
  need('environment', 'Microsoft.OperationalInsights/workspaces/sharedKeys/action', `${rg}/providers/Microsoft.OperationalInsights/workspaces/${n.workspace}`, 'the environment reading the workspace key');
  need('registry', 'Microsoft.ContainerRegistry/registries/write', `${rg}/providers/Microsoft.ContainerRegistry/registries/${n.registry}`, 'the container registry');
  need('identity', 'Microsoft.ManagedIdentity/userAssignedIdentities/write', `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n.identity}`, 'the managed identity');
  need('acrPull', 'Microsoft.Authorization/roleAssignments/write', `${rg}/providers/Microsoft.ContainerRegistry/registries/${n.registry}`, 'the AcrPull role assignment', 'Owner, User Access Administrator or Role Based Access Control Administrator on the subscription or resource group');
  return out;
}

/** The roles (template ids) a user holds, directly or through groups; undefined when they cannot be read. */
async function directoryRoles(ctx: StepContext): Promise<string[] | undefined> {
  const roles = await ctx.graph.list<{ roleTemplateId?: string }>('/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=roleTemplateId').catch(() => undefined);
  return roles?.map((r) => r.roleTemplateId ?? '').filter(Boolean);
}

async function owns(ctx: StepContext, collection: string, id: string | undefined): Promise<boolean | undefined> {
  if (!id) return true; // created by this run: the caller will own it
  const owners = await optional(() => ctx.graph.list<{ id: string }>(`/${collection}/${id}/owners?$select=id`)).catch(() => undefined);
  return owners === undefined ? undefined : owners.some((o) => o.id.toLowerCase() === ctx.caller.objectId.toLowerCase());
}

interface Missing {
  right: string;
  what: string;
  fix: string;
}

async function userNeeds(ctx: StepContext, plan: PlanOf): Promise<Missing[]> {
  const r = ctx.store.deployment.resources;
  const [roles, policy] = await Promise.all([
    directoryRoles(ctx),
    ctx.graph.get<{ defaultUserRolePermissions?: { allowedToCreateApps?: boolean; allowedToCreateSecurityGroups?: boolean } }>('/policies/authorizationPolicy').catch(() => undefined),
  ]);
  const holds = (set: string[]) => roles === undefined || roles.some((x) => set.includes(x));
  const out: Missing[] = [];
  const appStep = plan('application');
  if (appStep?.action === 'create' || (!appStep && !r.application)) {
    if (policy?.defaultUserRolePermissions?.allowedToCreateApps === false && !holds(APP_CREATORS)) {
      out.push({ right: 'create app registrations', what: 'the app registration', fix: 'the tenant does not let users register applications: ask for the Application Developer role' });
    }
  } else if (['application', 'servicePrincipal', 'federatedCredential', 'appCallbacks', 'clientSecret'].some((s) => changes(plan(s))) && (await owns(ctx, 'applications', r.application?.objectId)) === false && !holds(APP_ADMINS)) {
    out.push({ right: 'change the app registration', what: `${ctx.names.application}`, fix: 'you are not its owner: ask an owner to add you, or for the Cloud Application Administrator role' });
  }
  if (changes(plan('group')) && !r.group && policy?.defaultUserRolePermissions?.allowedToCreateSecurityGroups === false && !holds(GROUP_ADMINS)) {
    out.push({ right: 'create security groups', what: 'the users group', fix: 'the tenant does not let users create security groups: ask for the Groups Administrator role' });
  }
  if (changes(plan('groupMember')) && (await owns(ctx, 'groups', r.group?.objectId)) === false && !holds(GROUP_ADMINS)) {
    out.push({ right: 'add members to the users group', what: r.group?.displayName ?? 'the users group', fix: 'you are not its owner: ask an owner to add you, or for the Groups Administrator role' });
  }
  if (changes(plan('groupAssignment')) && (await owns(ctx, 'servicePrincipals', r.servicePrincipal?.objectId)) === false && !holds(ASSIGNMENT_ADMINS)) {
    out.push({ right: 'assign the users group to the app', what: 'the group assignment', fix: 'you do not own the service principal: ask for the Cloud Application Administrator role' });
  }
  if (ctx.options.consent && !holds(CONSENT_ADMINS)) {
    out.push({ right: 'grant tenant-wide admin consent', what: '--consent', fix: 'ask a Global Administrator, Privileged Role Administrator or Cloud Application Administrator, or drop --consent and run `mcp-obo consent` as one later' });
  }
  return out;
}

/** Microsoft Graph application permissions in the caller's Graph token. */
async function appRoles(ctx: StepContext): Promise<string[]> {
  const token = await ctx.azure.credential.getToken(ctx.cloud.graphScope);
  return token ? ((JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { roles?: string[] }).roles ?? []) : [];
}

async function servicePrincipalNeeds(ctx: StepContext, plan: PlanOf): Promise<Missing[]> {
  const r = ctx.store.deployment.resources;
  const roles = await appRoles(ctx);
  const any = (...names: string[]) => names.some((x) => roles.includes(x));
  const grant = 'grant it to this service principal in Entra ID (API permissions, Microsoft Graph, application permission) and have an administrator consent';
  const out: Missing[] = [];
  const perm = (names: string[], what: string) => out.push({ right: `Microsoft Graph application permission ${names.join(' or ')}`, what, fix: grant });
  const appWork = ['application', 'servicePrincipal', 'federatedCredential', 'appCallbacks', 'clientSecret'].some((s) => changes(plan(s)));
  if (appWork && !any('Application.ReadWrite.All', 'Directory.ReadWrite.All')) {
    if (!any('Application.ReadWrite.OwnedBy')) perm(['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All'], 'the app registration');
    else if ((await owns(ctx, 'applications', r.application?.objectId)) === false) perm(['Application.ReadWrite.All'], `${ctx.names.application}, which this service principal does not own`);
  }
  if (!any('GroupMember.Read.All', 'Group.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All')) perm(['GroupMember.Read.All', 'Group.ReadWrite.All'], 'finding the users group');
  if (changes(plan('group')) && !r.group && !any('Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All')) perm(['Group.Create', 'Group.ReadWrite.All'], 'the users group');
  if (changes(plan('groupAssignment')) && !any('AppRoleAssignment.ReadWrite.All')) perm(['AppRoleAssignment.ReadWrite.All'], 'assigning the users group to the app');
  if (ctx.options.consent) {
    if (!any('DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All')) perm(['DelegatedPermissionGrant.ReadWrite.All'], '--consent');
    const devops = await optional(() => ctx.graph.get(`/servicePrincipals(appId='${AZURE_DEVOPS_APP_ID}')?$select=id`)).catch(() => ({}));
    if (!devops && !any('Application.ReadWrite.All', 'Directory.ReadWrite.All')) perm(['Application.ReadWrite.All'], '--consent creating the Azure DevOps service principal');
  }
  return out;
}

/** What the caller lacks for this plan, one line each, with the way to get it. Reads only. */
export async function missingRights(ctx: StepContext, plan: PlanOf): Promise<string[]> {
  const grants = await armGrants(ctx);
  const arm = grants ? armNeeds(ctx, plan).filter((x) => !allowed(grants, x.action, x.target)) : [];
  const entra = ctx.caller.kind === 'user' ? await userNeeds(ctx, plan) : await servicePrincipalNeeds(ctx, plan);
  return [
    ...arm.map((x) => `Azure: ${x.action} (${x.what}); needs ${x.fix}`),
    ...entra.map((x) => `Entra ID: ${x.right} (${x.what}); ${x.fix}`),
  ];
}
