/**
 * The server's app registration: single tenant, v2 access tokens, the access_as_user scope,
 * VS Code and Azure CLI pre-authorised, and the delegated permissions its tools need (resolved by
 * name before the plan, src/permissions; ones no tool needs come off only when agreed).
 * Created with an upsert on a unique name, so a run killed right after the create finds it again.
 * Updates merge ours into the lists that are there (app-merge.ts): an administrator's redirect
 * URIs, scopes, pre-authorised clients and permissions stay.
 */
import { randomUUID } from 'node:crypto';
import type { Step, StepContext } from '../types.ts';
import { ACCESS_AS_USER, AZURE_CLI_CLIENT_ID, REDIRECT_URIS, VSCODE_CLIENT_ID } from '../../graph/constants.ts';
import { appliedAfter, wantedAccess } from '../../permissions/plan.ts';
import { creation, mergeInto, type App, type Wanted } from './app-merge.ts';
import { checkAppAdoption } from './adopt.ts';
import { optional } from './util.ts';

export type { App } from './app-merge.ts';

/** Scope values earlier versions published and this one does not: none yet. */
const RETIRED_SCOPES: string[] = [];

/** The registration by the id saved in the deployment file; `byName` tells whether it was found by its unique name instead. */
export async function findApplication(ctx: StepContext): Promise<{ app: App; byName: boolean } | undefined> {
  const saved = ctx.store.deployment.resources.application;
  if (saved) {
    const app = await optional(() => ctx.graph.get<App>(`/applications/${saved.objectId}`));
    if (app) return { app, byName: false };
  }
  const app = await optional(() => ctx.graph.get<App>(`/applications(uniqueName='${ctx.names.applicationUniqueName}')`));
  return app ? { app, byName: true } : undefined;
}

/** Our part of the registration; `scopeId` keeps an existing scope's id stable. */
export function wanted(ctx: StepContext, appId: string | undefined, scopeId: string): Wanted {
  const d = ctx.store.deployment;
  return {
    displayName: ctx.names.application,
    signInAudience: 'AzureADMyOrg',
    tags: ['mcp-obo', ctx.names.entraTag],
    redirectUris: REDIRECT_URIS,
    // The custom domain's MCP URL (deploy --domain) stays an identifier URI beside api://{appId}.
    identifierUris: appId ? [`api://${appId}`, ...(d.resources.customDomain ? [d.resources.customDomain.identifierUri] : [])] : undefined,
    scope: {
      id: scopeId,
      value: ACCESS_AS_USER,
      type: 'User',
      isEnabled: true,
      adminConsentDisplayName: 'Use the MCP server as you',
      adminConsentDescription: 'Lets the MCP client call the MCP server, which then reads Microsoft Graph and Azure DevOps on behalf of the signed-in user.',
      userConsentDisplayName: 'Use the MCP server as you',
      userConsentDescription: 'Lets the MCP client call the MCP server on your behalf.',
    },
    preAuthorized: appId ? [VSCODE_CLIENT_ID, AZURE_CLI_CLIENT_ID] : undefined,
    requiredResourceAccess: wantedAccess(ctx.permissions?.resolved ?? []),
    // Permissions mcp-obo added for tools no longer enabled, when the user agreed to take them off.
    retiredPermissions: ctx.permissions?.prune ? ctx.permissions.unneeded : [],
    retiredScopes: RETIRED_SCOPES,
  };
}

export function scopeIdOf(app: App | undefined): string | undefined {
  return app?.api?.oauth2PermissionScopes?.find((s) => s.value === ACCESS_AS_USER)?.id;
}

/** The registration this run may use: found by id, or found by unique name and safe to adopt (adopt.ts). */
async function usableApplication(ctx: StepContext): Promise<App | undefined> {
  const found = await findApplication(ctx);
  if (found?.byName) await checkAppAdoption(ctx, found.app);
  return found?.app;
}

export const applicationStep: Step = {
  id: 'application',
  title: 'app registration',
  dependsOn: [],
  plane: 'entra',
  async plan(ctx) {
    const app = await usableApplication(ctx);
    if (!app) return { action: 'create' };
    const { changes } = mergeInto(app, wanted(ctx, app.appId, scopeIdOf(app) ?? randomUUID()));
    return changes.length ? { action: 'update', detail: changes.join(', ') } : { action: 'unchanged' };
  },
  async apply(ctx, planned) {
    let app = await usableApplication(ctx);
    const scopeId = scopeIdOf(app) ?? randomUUID();
    // What the registration held before this run decides which permissions mcp-obo adds, and so records as its own.
    const before = app?.requiredResourceAccess ?? [];
    if (!app) {
      const d = ctx.store.deployment;
      const body = creation(wanted(ctx, undefined, scopeId), `Created by mcp-obo for deployment ${d.id} (${d.prefix}-${d.env}); \`mcp-obo cleanup --id ${d.id}\` removes it.`);
      // Upsert by unique name: idempotent even if this run dies before saving the id.
      const created = await ctx.retry('app registration', () => ctx.graph.patch<App>(`/applications(uniqueName='${ctx.names.applicationUniqueName}')`, body, { Prefer: 'create-if-missing' }));
      app = created ?? (await ctx.retry('app registration', () => ctx.graph.get<App>(`/applications(uniqueName='${ctx.names.applicationUniqueName}')`), { propagation: true }));
    }
    if (planned.action !== 'unchanged') {
      const objectId = app.id;
      // Read what is there now (a new app, or one an administrator edited), then merge ours in.
      const current = await ctx.retry('app registration', () => ctx.graph.get<App>(`/applications/${objectId}`), { propagation: true });
      for (const body of mergeInto(current, wanted(ctx, current.appId, scopeId)).bodies) {
        await ctx.retry('app registration settings', () => ctx.graph.patch(`/applications/${objectId}`, body), { propagation: true });
      }
    }
    const saved = ctx.store.deployment.resources.application;
    const p = ctx.permissions;
    const permissions = p ? appliedAfter(saved?.permissions, before, wantedAccess(p.resolved), p.prune ? p.unneeded : []) : saved?.permissions;
    await ctx.store.setResource('application', { objectId: app.id, appId: app.appId, displayName: ctx.names.application, scopeId, ...(permissions ? { permissions } : {}) });
  },
};
