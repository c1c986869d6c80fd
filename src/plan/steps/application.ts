/**
 * The server's app registration: single tenant, v2 access tokens, the access_as_user scope,
 * VS Code and Azure CLI pre-authorised, and the delegated permissions for Graph and DevOps.
 * Created with an upsert on a unique name, so a run killed right after the create finds it again.
 */
import { randomUUID } from 'node:crypto';
import type { Step, StepContext } from '../types.ts';
import { ACCESS_AS_USER, AZURE_CLI_CLIENT_ID, REDIRECT_URIS, REQUIRED_PERMISSIONS, VSCODE_CLIENT_ID } from '../../graph/constants.ts';
import { optional } from './util.ts';

interface App {
  id: string;
  appId: string;
  displayName: string;
  signInAudience?: string;
  identifierUris?: string[];
  tags?: string[];
  web?: { redirectUris?: string[] };
  api?: {
    requestedAccessTokenVersion?: number | null;
    oauth2PermissionScopes?: { id: string; value: string; isEnabled?: boolean }[];
    preAuthorizedApplications?: { appId: string; delegatedPermissionIds: string[] }[];
  };
  requiredResourceAccess?: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
}

export async function findApplication(ctx: StepContext): Promise<App | undefined> {
  const saved = ctx.store.deployment.resources.application;
  if (saved) {
    const app = await optional(() => ctx.graph.get<App>(`/applications/${saved.objectId}`));
    if (app) return app;
  }
  return optional(() => ctx.graph.get<App>(`/applications(uniqueName='${ctx.names.applicationUniqueName}')`));
}

/** The registration as it should be; `scopeId` keeps an existing scope's id stable. */
export function desiredApplication(ctx: StepContext, appId: string | undefined, scopeId: string) {
  const d = ctx.store.deployment;
  return {
    displayName: ctx.names.application,
    signInAudience: 'AzureADMyOrg',
    tags: ['mcp-obo', ctx.names.entraTag],
    notes: `Created by mcp-obo for deployment ${d.id} (${d.prefix}-${d.env}); \`mcp-obo cleanup --id ${d.id}\` removes it.`,
    web: { redirectUris: REDIRECT_URIS },
    requiredResourceAccess: REQUIRED_PERMISSIONS.map((r) => ({ resourceAppId: r.resourceAppId, resourceAccess: r.scopes.map((s) => ({ id: s.id, type: 'Scope' })) })),
    // The custom domain's MCP URL (deploy --domain) stays an identifier URI beside api://{appId}.
    ...(appId ? { identifierUris: [`api://${appId}`, ...(d.resources.customDomain ? [d.resources.customDomain.identifierUri] : [])] } : {}),
    api: {
      requestedAccessTokenVersion: 2,
      oauth2PermissionScopes: [
        {
          id: scopeId,
          value: ACCESS_AS_USER,
          type: 'User',
          isEnabled: true,
          adminConsentDisplayName: 'Use the MCP server as you',
          adminConsentDescription: 'Lets the MCP client call the MCP server, which then reads Microsoft Graph and Azure DevOps on behalf of the signed-in user.',
          userConsentDisplayName: 'Use the MCP server as you',
          userConsentDescription: 'Lets the MCP client call the MCP server on your behalf.',
        },
      ],
      ...(appId ? { preAuthorizedApplications: [VSCODE_CLIENT_ID, AZURE_CLI_CLIENT_ID].map((id) => ({ appId: id, delegatedPermissionIds: [scopeId] })) } : {}),
    },
  };
}

function scopeIdOf(app: App | undefined): string | undefined {
  return app?.api?.oauth2PermissionScopes?.find((s) => s.value === ACCESS_AS_USER)?.id;
}

/** What differs between the registration and the desired one (empty when nothing does). */
export function differences(app: App, want: ReturnType<typeof desiredApplication>): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const sorted = (xs: string[] | undefined) => [...(xs ?? [])].sort();
  const out: string[] = [];
  if (app.displayName !== want.displayName) out.push('name');
  if (app.signInAudience !== want.signInAudience) out.push('audience');
  if (!same(sorted(app.identifierUris), sorted(want.identifierUris))) out.push('identifier URIs');
  // Redirect URIs others added (the facade's callbacks, an administrator's) stay: ours must be there, theirs may be.
  if (want.web.redirectUris.some((u) => !app.web?.redirectUris?.includes(u))) out.push('redirect URIs');
  if (app.api?.requestedAccessTokenVersion !== 2) out.push('token version');
  if (!scopeIdOf(app) || app.api?.oauth2PermissionScopes?.find((s) => s.value === ACCESS_AS_USER)?.isEnabled === false) out.push('scope');
  const pre = (app.api?.preAuthorizedApplications ?? []).map((p) => `${p.appId}:${sorted(p.delegatedPermissionIds).join(',')}`);
  if (!same(sorted(pre), sorted(want.api.preAuthorizedApplications?.map((p) => `${p.appId}:${p.delegatedPermissionIds.join(',')}`)))) out.push('pre-authorized clients');
  const rra = (r: { resourceAppId: string; resourceAccess: { id: string }[] }[] | undefined) => sorted((r ?? []).flatMap((x) => x.resourceAccess.map((a) => `${x.resourceAppId}/${a.id}`)));
  if (!same(rra(app.requiredResourceAccess), rra(want.requiredResourceAccess))) out.push('API permissions');
  if (want.tags.some((t) => !app.tags?.includes(t))) out.push('tags');
  return out;
}

export const applicationStep: Step = {
  id: 'application',
  title: 'app registration',
  dependsOn: [],
  plane: 'entra',
  async plan(ctx) {
    const app = await findApplication(ctx);
    if (!app) return { action: 'create' };
    const diff = differences(app, desiredApplication(ctx, app.appId, scopeIdOf(app) ?? randomUUID()));
    return diff.length ? { action: 'update', detail: diff.join(', ') } : { action: 'unchanged' };
  },
  async apply(ctx, planned) {
    let app = await findApplication(ctx);
    const scopeId = scopeIdOf(app) ?? randomUUID();
    if (!app) {
      // Upsert by unique name: idempotent even if this run dies before saving the id.
      const created = await ctx.retry('app registration', () =>
        ctx.graph.patch<App>(`/applications(uniqueName='${ctx.names.applicationUniqueName}')`, desiredApplication(ctx, undefined, scopeId), { Prefer: 'create-if-missing' }),
      );
      app = created ?? (await ctx.retry('app registration', () => ctx.graph.get<App>(`/applications(uniqueName='${ctx.names.applicationUniqueName}')`), { propagation: true }));
    }
    if (planned.action !== 'unchanged') {
      const objectId = app.id;
      // The identifier URI and pre-authorisations need the app id, so they follow the create.
      const want = desiredApplication(ctx, app.appId, scopeId);
      const redirectUris = [...new Set([...(app.web?.redirectUris ?? []), ...want.web.redirectUris])];
      await ctx.retry('app registration settings', () => ctx.graph.patch(`/applications/${objectId}`, { ...want, web: { ...app!.web, redirectUris } }), { propagation: true });
    }
    await ctx.store.setResource('application', { objectId: app.id, appId: app.appId, displayName: ctx.names.application, scopeId });
  },
};
