/**
 * With --can-provision, the pipeline's identity may also run `mcp-obo provision` on this
 * deployment, with the least Entra rights that takes (the service-principal rights provision's
 * preflight checks): the Microsoft Graph application permissions Application.ReadWrite.OwnedBy and
 * GroupMember.Read.All, and ownership of the deployment's app registration and service principal
 * (OwnedBy reaches only what it owns). Granting an application permission needs an administrator
 * (Privileged Role Administrator or Global Administrator); without one, what is missing is listed.
 */
import type { StepContext } from '../plan/types.ts';
import { McpOboError } from '../errors.ts';
import { codeOf } from '../azure/errors.ts';
import { MICROSOFT_GRAPH_APP_ID } from '../graph/constants.ts';
import type { Deployer } from './deployer.ts';

export const PROVISION_GRAPH_PERMISSIONS = ['Application.ReadWrite.OwnedBy', 'GroupMember.Read.All'] as const;

interface GraphSp {
  id: string;
  appRoles?: { id: string; value?: string }[];
}

async function graphSp(ctx: StepContext): Promise<GraphSp> {
  return ctx.graph.get<GraphSp>(`/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')?$select=id,appRoles`);
}

async function granted(ctx: StepContext, principalId: string, resourceId: string): Promise<Set<string>> {
  const list = await ctx.graph.list<{ appRoleId: string; resourceId: string }>(`/servicePrincipals/${principalId}/appRoleAssignments`);
  return new Set(list.filter((a) => a.resourceId === resourceId).map((a) => a.appRoleId));
}

/** The objects the identity must own, as Graph paths. */
function owned(ctx: StepContext): { path: string; what: string }[] {
  const r = ctx.store.deployment.resources;
  return [
    ...(r.application ? [{ path: `/applications/${r.application.objectId}`, what: 'the app registration' }] : []),
    ...(r.servicePrincipal ? [{ path: `/servicePrincipals/${r.servicePrincipal.objectId}`, what: 'its service principal' }] : []),
  ];
}

async function isOwner(ctx: StepContext, path: string, principalId: string): Promise<boolean> {
  return (await ctx.graph.list<{ id: string }>(`${path}/owners?$select=id`)).some((o) => o.id.toLowerCase() === principalId.toLowerCase());
}

export async function planGraphPermissions(ctx: StepContext, d: Deployer | undefined): Promise<{ permissions: { permission: string; granted: boolean }[]; missing: string[] }> {
  const sp = await graphSp(ctx);
  const have = d ? await granted(ctx, d.principalId, sp.id) : new Set<string>();
  const permissions = PROVISION_GRAPH_PERMISSIONS.map((p) => ({ permission: p, granted: have.has(sp.appRoles?.find((r) => r.value === p)?.id ?? '') }));
  const owners = d ? await Promise.all(owned(ctx).map(async (o) => ((await isOwner(ctx, o.path, d.principalId)) ? undefined : `owner of ${o.what}`))) : owned(ctx).map((o) => `owner of ${o.what}`);
  return { permissions, missing: [...permissions.filter((p) => !p.granted).map((p) => p.permission), ...owners.filter((x): x is string => Boolean(x))] };
}

export async function grantGraphPermissions(ctx: StepContext, d: Deployer): Promise<{ permission: string; status: 'granted' | 'missing' }[]> {
  const sp = await graphSp(ctx);
  const have = await granted(ctx, d.principalId, sp.id);
  const denied: string[] = [];
  const refused = (err: unknown) => codeOf(err) === 'Authorization_RequestDenied' || (err as { status?: number }).status === 403;
  const out: { permission: string; status: 'granted' | 'missing' }[] = [];
  for (const permission of PROVISION_GRAPH_PERMISSIONS) {
    const role = sp.appRoles?.find((r) => r.value === permission);
    if (!role) throw new McpOboError(`Microsoft Graph has no application permission ${permission} in this tenant`);
    if (have.has(role.id)) {
      out.push({ permission, status: 'granted' });
      continue;
    }
    try {
      await ctx.retry(`Graph permission ${permission}`, () => ctx.graph.post(`/servicePrincipals/${sp.id}/appRoleAssignedTo`, { principalId: d.principalId, resourceId: sp.id, appRoleId: role.id }), { propagation: true });
      out.push({ permission, status: 'granted' });
    } catch (err) {
      if (!refused(err)) throw err;
      denied.push(`the Microsoft Graph application permission ${permission}`);
      out.push({ permission, status: 'missing' });
    }
  }
  for (const o of owned(ctx)) {
    if (await isOwner(ctx, o.path, d.principalId)) continue;
    try {
      await ctx.retry(`owner of ${o.what}`, () => ctx.graph.post(`${o.path}/owners/$ref`, { '@odata.id': `${ctx.cloud.graphEndpoint}/v1.0/directoryObjects/${d.principalId}` }), { propagation: true });
    } catch (err) {
      if (!refused(err)) throw err;
      denied.push(`ownership of ${o.what}`);
    }
  }
  if (denied.length) {
    throw new McpOboError(`the pipeline's identity can deploy, but your account may not give it what provisioning needs: ${denied.join('; ')}`, {
      code: 'graph-permissions-missing',
      suggestion: `Ask a Privileged Role Administrator or Global Administrator to run \`mcp-obo pipeline github --can-provision\` (or to grant them to ${d.name}, client id ${d.clientId}, in Entra ID). Everything else is in place.`,
    });
  }
  return out;
}
