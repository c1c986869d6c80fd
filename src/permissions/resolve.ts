/**
 * Permission names to ids, read from each API's service principal in the tenant
 * (`oauth2PermissionScopes`), never from a table of GUIDs: an API publishes what it publishes, and a
 * misspelt or retired permission is an error naming the ones that exist. A first-party API without a
 * service principal in the tenant (Azure DevOps often) gets one, as the portal's "Add a permission"
 * and admin consent do.
 */
import { McpOboError, UsageError } from '../errors.ts';
import type { GraphApi } from '../graph/client.ts';
import { AZURE_DEVOPS_APP_ID, MICROSOFT_GRAPH_APP_ID } from '../graph/constants.ts';
import { optional } from '../plan/steps/util.ts';
import type { WantedResource } from './wanted.ts';

export interface ResolvedResource {
  /** `graph`, `devops`, or the identifier URI, as the tools name it. */
  resource: string;
  resourceAppId: string;
  displayName: string;
  /** Object id of the API's service principal. */
  spId: string;
  permissions: { value: string; id: string; neededBy: string[] }[];
  /** Every delegated permission the API publishes (to name ids in messages). */
  published: { id: string; value: string }[];
}

interface ServicePrincipal {
  id: string;
  appId: string;
  displayName?: string;
  oauth2PermissionScopes?: { id: string; value: string; isEnabled?: boolean }[];
}

const SELECT = '$select=id,appId,displayName,oauth2PermissionScopes';
const FIRST_PARTY: Record<string, string> = { graph: MICROSOFT_GRAPH_APP_ID, devops: AZURE_DEVOPS_APP_ID };

export interface ResolveOptions {
  /** Create a missing first-party service principal (false in --dry-run: then it is reported instead). */
  create: boolean;
  retry<T>(label: string, fn: () => Promise<T>, opts?: { propagation?: boolean }): Promise<T>;
}

async function servicePrincipalOf(graph: GraphApi, resource: string, o: ResolveOptions): Promise<ServicePrincipal | undefined> {
  const appId = FIRST_PARTY[resource];
  if (appId) {
    const sp = await optional(() => graph.get<ServicePrincipal>(`/servicePrincipals(appId='${appId}')?${SELECT}`));
    if (sp || !o.create) return sp;
    try {
      return await o.retry(`${resource === 'graph' ? 'Microsoft Graph' : 'Azure DevOps'} service principal`, () => graph.post<ServicePrincipal>('/servicePrincipals', { appId }), { propagation: true });
    } catch (err) {
      if ((err as { status?: number }).status !== 403) throw err;
      throw new McpOboError(`Azure DevOps has no service principal in this tenant, and your account may not create one (Authorization_RequestDenied)`, {
        suggestion: `An administrator can create it once: \`az ad sp create --id ${appId}\` (or run \`mcp-obo consent\`), then rerun \`mcp-obo provision\`.`,
        cause: err,
      });
    }
  }
  const uri = resource.replace(/'/g, "''");
  const found = await graph.list<ServicePrincipal>(`/servicePrincipals?$filter=servicePrincipalNames/any(n:n eq '${uri}')&${SELECT}`);
  return found[0];
}

/** The published delegated permissions of an API by app id (for naming ids nobody wants any more). */
export async function publishedBy(graph: GraphApi, appId: string): Promise<{ displayName: string; published: { id: string; value: string }[] } | undefined> {
  const sp = await optional(() => graph.get<ServicePrincipal>(`/servicePrincipals(appId='${appId}')?${SELECT}`));
  return sp ? { displayName: sp.displayName ?? appId, published: (sp.oauth2PermissionScopes ?? []).map((p) => ({ id: p.id, value: p.value })) } : undefined;
}

export async function resolvePermissions(graph: GraphApi, wanted: readonly WantedResource[], o: ResolveOptions): Promise<ResolvedResource[]> {
  const out: ResolvedResource[] = [];
  for (const w of wanted) {
    const sp = await servicePrincipalOf(graph, w.resource, o);
    if (!sp) {
      if (FIRST_PARTY[w.resource]) {
        // Only in a dry run: the service principal would be made by the real run.
        out.push({ resource: w.resource, resourceAppId: FIRST_PARTY[w.resource]!, displayName: w.resource === 'graph' ? 'Microsoft Graph' : 'Azure DevOps', spId: '', permissions: [...w.permissions].map(([value, neededBy]) => ({ value, id: '', neededBy })), published: [] });
        continue;
      }
      const tools = [...new Set([...w.permissions.values()].flat())].join(', ');
      throw new UsageError(`no API with the identifier URI ${w.resource} in this tenant (tools: ${tools})`, {
        suggestion: "Check the URI in the tools' scopes against the API's app registration (Expose an API > Application ID URI); the API needs a service principal in this tenant.",
      });
    }
    const published = (sp.oauth2PermissionScopes ?? []).filter((s) => s.isEnabled !== false);
    const permissions = [...w.permissions].map(([value, neededBy]) => {
      const hit = published.find((s) => s.value.toLowerCase() === value.toLowerCase());
      if (!hit) {
        const near = published.map((s) => s.value).filter((v) => v.toLowerCase().startsWith(value.split('.')[0]!.toLowerCase())).slice(0, 8);
        throw new UsageError(`${sp.displayName ?? w.resource} publishes no delegated permission "${value}" (needed by ${neededBy.join(', ')})`, {
          suggestion: near.length ? `It publishes, for example: ${near.join(', ')}. Fix the tool's scopes.` : "Fix the tool's scopes: the name must be one the API publishes.",
        });
      }
      return { value: hit.value, id: hit.id, neededBy };
    });
    out.push({ resource: w.resource, resourceAppId: sp.appId, displayName: sp.displayName ?? w.resource, spId: sp.id, permissions, published: published.map((p) => ({ id: p.id, value: p.value })) });
  }
  return out;
}
