/**
 * Consent follows the tools: what `consent` grants and `tools list` checks is derived from the
 * deployment's tools, resolved by name in the tenant, beside what is still on the app registration.
 */
import type { CliContext } from '../cli/context.ts';
import type { GraphApi } from '../graph/client.ts';
import { publishedBy, resolvePermissions } from '../permissions/resolve.ts';
import { wantedPermissions } from '../permissions/wanted.ts';
import type { DeploymentStore } from '../state/store.ts';
import { loadTools, type ToolSource } from '../tools/load.ts';
import { projectTools } from '../tools/project.ts';
import { connect } from './connect.ts';
import { verifyConsent, type WantedGrant } from './consent.ts';
import { optional } from '../plan/steps/util.ts';

export interface ConsentPlan {
  wanted: WantedGrant[];
  /** Permission names (lower case) on the app registration per API. */
  registered: Map<string, Set<string>>;
}

export async function consentPlan(graph: GraphApi, store: DeploymentStore, opts: { create: boolean; retry: Parameters<typeof resolvePermissions>[2]['retry'] }, sources?: readonly ToolSource[]): Promise<ConsentPlan> {
  const tools = projectTools(store.path, store.deployment);
  const loaded = sources ?? (await loadTools({ ...tools, cwd: tools.root }));
  const resolved = await resolvePermissions(graph, wantedPermissions(loaded), { create: opts.create, retry: opts.retry });
  const wanted = resolved.map((r) => ({ resourceAppId: r.resourceAppId, name: r.displayName, scopes: r.permissions.map((p) => p.value) }));
  const registered = new Map<string, Set<string>>();
  const app = store.deployment.resources.application;
  const reg = app ? await optional(() => graph.get<{ requiredResourceAccess?: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[] }>(`/applications/${app.objectId}?$select=requiredResourceAccess`)) : undefined;
  for (const r of reg?.requiredResourceAccess ?? []) {
    const published = resolved.find((x) => x.resourceAppId === r.resourceAppId)?.published ?? (await publishedBy(graph, r.resourceAppId))?.published ?? [];
    const names = r.resourceAccess.filter((a) => a.type === 'Scope').map((a) => published.find((p) => p.id === a.id)?.value.toLowerCase()).filter((v): v is string => Boolean(v));
    registered.set(r.resourceAppId, new Set(names));
  }
  return { wanted, registered };
}

/** `tools list`: each permission the tools need, granted or missing (reads only). */
export async function consentStatus(store: DeploymentStore, sources: readonly ToolSource[], ctx: CliContext) {
  const d = store.deployment;
  const conn = await connect(d, ctx);
  // Reads only: nothing is created, so nothing is retried.
  const plan = await consentPlan(conn.graph, store, { create: false, retry: (_label, fn) => fn() }, sources);
  const statuses = await verifyConsent({ graph: conn.graph, clientSpId: d.resources.servicePrincipal!.objectId, appId: d.resources.application!.appId, wanted: plan.wanted });
  return statuses.map((s) => ({ ...s, status: s.status as 'granted' | 'missing' | 'unknown' }));
}
