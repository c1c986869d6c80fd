/**
 * Checks made before `provision` creates anything: the subscription is reachable, the region
 * offers Container Apps, the registry name is free, and the caller may create app registrations.
 * Every problem found is reported at once; none of the checks writes.
 */
import { McpOboError } from '../errors.ts';
import { codeOf, explain, isNotFound } from '../azure/errors.ts';
import type { StepContext } from '../plan/types.ts';
import { findApplication } from '../plan/steps/application.ts';
import { optional } from '../plan/steps/util.ts';

const APP_ROLE_VALUES_THAT_CREATE_APPS = ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'];
const DIRECTORY_ROLES_THAT_CREATE_APPS = [
  '62e90394-69f5-4237-9190-012177145e10', // Global Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
  'cf1c38e5-3621-4004-a7cb-879624dced7c', // Application Developer
];

type Check = () => Promise<string | undefined>;

export async function preflight(ctx: StepContext): Promise<void> {
  const d = ctx.store.deployment;
  const checks: Check[] = [
    async () => {
      try {
        const sub = await (await ctx.azure.subscriptions()).subscriptions.get(d.subscriptionId);
        if (sub.state && sub.state !== 'Enabled') return `subscription ${d.subscriptionId} is ${sub.state}`;
      } catch (err) {
        const e = explain(err, { subscriptionId: d.subscriptionId, action: 'reading the subscription' });
        return e.suggestion ? `${e.message}. ${e.suggestion}` : e.message;
      }
      return undefined;
    },
    async () => {
      const provider = await (await ctx.azure.resources()).providers.get('Microsoft.App');
      const type = provider.resourceTypes?.find((t) => t.resourceType?.toLowerCase() === 'managedenvironments');
      const regions = (type?.locations ?? []).map((l) => l.toLowerCase().replace(/\s/g, ''));
      if (regions.length && !regions.includes(d.location)) {
        return `region ${d.location} does not offer Azure Container Apps; choose one of: ${regions.slice(0, 12).join(', ')}${regions.length > 12 ? ', …' : ''} (\`mcp-obo init --force --location <region>\`)`;
      }
      return undefined;
    },
    async () => {
      const registry = await optional(async () => (await ctx.azure.registry()).registries.get(ctx.names.resourceGroup, ctx.names.registry));
      if (registry) return undefined; // ours already
      const check = await (await ctx.azure.registry()).registries.checkNameAvailability({ name: ctx.names.registry, type: 'Microsoft.ContainerRegistry/registries' });
      if (check.nameAvailable === false) {
        return `registry name ${ctx.names.registry} is not available (${check.reason ?? 'taken'}${check.message ? `: ${check.message}` : ''}); choose another id with \`mcp-obo init --force --id <new id>\``;
      }
      return undefined;
    },
    async () => {
      try {
        if (await findApplication(ctx)) return undefined;
      } catch (err) {
        if (codeOf(err) === 'Authorization_RequestDenied') return `${DENIED} (it cannot even read app registrations)`;
        throw err;
      }
      return canCreateApplications(ctx);
    },
  ];
  const problems = (await Promise.all(checks.map((c) => c().catch((err: unknown) => (isNotFound(err) ? undefined : explain(err).message))))).filter(Boolean);
  if (problems.length) {
    throw new McpOboError(`cannot provision: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`, {
      suggestion: 'Nothing was created. Fix the above and rerun `mcp-obo provision`.',
    });
  }
}

const DENIED = 'your account cannot create app registrations in this tenant: ask an administrator for the Application Developer role, or to run `mcp-obo provision`';

async function canCreateApplications(ctx: StepContext): Promise<string | undefined> {
  if (ctx.caller.kind === 'servicePrincipal') {
    // An app-only Graph token lists the application permissions it holds in its roles claim.
    const token = await ctx.azure.credential.getToken(ctx.cloud.graphScope);
    const roles = token ? ((JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { roles?: string[] }).roles ?? []) : [];
    return roles.some((r) => APP_ROLE_VALUES_THAT_CREATE_APPS.includes(r)) ? undefined : `${DENIED} (the service principal needs the Microsoft Graph application permission Application.ReadWrite.OwnedBy or Application.ReadWrite.All)`;
  }
  // A check the caller may not be allowed to make proves nothing: then the create itself decides.
  const unknown = (err: unknown) => {
    if (codeOf(err) === 'Authorization_RequestDenied') return undefined;
    throw err;
  };
  const policy = await ctx.graph.get<{ defaultUserRolePermissions?: { allowedToCreateApps?: boolean } }>('/policies/authorizationPolicy').catch(unknown);
  if (policy?.defaultUserRolePermissions?.allowedToCreateApps !== false) return undefined;
  const memberOf = await ctx.graph.list<{ roleTemplateId?: string }>('/me/memberOf').catch(unknown);
  if (!memberOf) return undefined;
  return memberOf.some((m) => m.roleTemplateId && DIRECTORY_ROLES_THAT_CREATE_APPS.includes(m.roleTemplateId)) ? undefined : DENIED;
}
