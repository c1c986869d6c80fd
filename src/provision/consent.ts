/**
 * Tenant-wide admin consent for the server's delegated permissions, as the portal's "Grant admin
 * consent" button does it: the resource's service principal is created when the tenant lacks it,
 * then one AllPrincipals grant per resource holds the tools' permissions (derived from the tools,
 * src/permissions), plus whatever else is still on the app registration (an administrator's). A
 * granted permission that is neither (a disabled pack's) is taken off the grant. Then verified.
 */
import { McpOboError } from '../errors.ts';
import { codeOf } from '../azure/errors.ts';
import type { GraphApi } from '../graph/client.ts';
import { ACCESS_AS_USER } from '../graph/constants.ts';
import { optional } from '../plan/steps/util.ts';

export interface PermissionStatus {
  resource: string;
  permission: string;
  status: 'granted' | 'missing';
}

interface Grant {
  id: string;
  clientId: string;
  resourceId: string;
  consentType: string;
  scope?: string;
}

/** The permissions to grant on one API (names), as the tools need them. */
export interface WantedGrant {
  resourceAppId: string;
  name: string;
  scopes: string[];
}

export interface ConsentInput {
  graph: GraphApi;
  /** Object id of the server's service principal. */
  clientSpId: string;
  appId: string;
  tenantId: string;
  authorityHost: string;
  /** What the tools need, per API. */
  wanted: WantedGrant[];
  /** Permission names still on the app registration per API (kept on the grant even if no tool needs them). */
  registered?: Map<string, Set<string>>;
  retry<T>(label: string, fn: () => Promise<T>, opts?: { propagation?: boolean }): Promise<T>;
}

export function adminConsentUrl(input: Pick<ConsentInput, 'authorityHost' | 'tenantId' | 'appId'>): string {
  return `${input.authorityHost}/${input.tenantId}/adminconsent?client_id=${input.appId}`;
}

/**
 * What is consented: the tools' permissions, and the app's own scope for itself, which the
 * authorization facade requests when it signs users in as the app (so Entra does not prompt).
 */
function permissions(input: Pick<ConsentInput, 'wanted' | 'appId'>): WantedGrant[] {
  return [...input.wanted, { resourceAppId: input.appId, name: 'this MCP server', scopes: [ACCESS_AS_USER] }];
}

async function grantsOf(graph: GraphApi, clientSpId: string): Promise<Grant[]> {
  return graph.list<Grant>(`/oauth2PermissionGrants?$filter=clientId eq '${clientSpId}' and consentType eq 'AllPrincipals'`);
}

const split = (scope: string | undefined) => [...new Set((scope ?? '').split(' ').filter(Boolean))];

/** What is granted now, permission by permission (reads only). */
export async function verifyConsent(input: Pick<ConsentInput, 'graph' | 'clientSpId' | 'appId' | 'wanted'>): Promise<PermissionStatus[]> {
  const grants = await grantsOf(input.graph, input.clientSpId);
  const out: PermissionStatus[] = [];
  for (const r of permissions(input)) {
    const sp = await optional(() => input.graph.get<{ id: string }>(`/servicePrincipals(appId='${r.resourceAppId}')?$select=id`));
    const scopes = new Set(grants.filter((g) => sp && g.resourceId === sp.id).flatMap((g) => split(g.scope)).map((s) => s.toLowerCase()));
    for (const s of r.scopes) out.push({ resource: r.name, permission: s, status: scopes.has(s.toLowerCase()) ? 'granted' : 'missing' });
  }
  return out;
}

export async function grantConsent(input: ConsentInput): Promise<PermissionStatus[]> {
  try {
    for (const r of permissions(input)) {
      // A first-party API (Azure DevOps) may have no service principal in the tenant yet.
      const resourceSp =
        (await optional(() => input.graph.get<{ id: string }>(`/servicePrincipals(appId='${r.resourceAppId}')?$select=id`))) ??
        (await input.retry(`${r.name} service principal`, () => input.graph.post<{ id: string }>('/servicePrincipals', { appId: r.resourceAppId })));
      const existing = (await grantsOf(input.graph, input.clientSpId)).find((g) => g.resourceId === resourceSp.id);
      const registered = input.registered?.get(r.resourceAppId) ?? new Set<string>();
      const wanted = new Set(r.scopes.map((s) => s.toLowerCase()));
      // Kept: what the tools need, and what is still registered by someone else; a disabled pack's scope goes.
      const keep = split(existing?.scope).filter((s) => wanted.has(s.toLowerCase()) || registered.has(s.toLowerCase()) || r.resourceAppId === input.appId);
      const scope = [...keep, ...r.scopes.filter((s) => !keep.some((k) => k.toLowerCase() === s.toLowerCase()))];
      if (!existing) {
        await input.retry(`${r.name} consent`, () => input.graph.post('/oauth2PermissionGrants', { clientId: input.clientSpId, consentType: 'AllPrincipals', resourceId: resourceSp.id, scope: scope.join(' ') }), {
          propagation: true,
        });
      } else if ([...split(existing.scope)].sort().join(' ') !== [...scope].sort().join(' ')) {
        await input.retry(`${r.name} consent`, () => input.graph.patch(`/oauth2PermissionGrants/${existing.id}`, { scope: scope.join(' ') }));
      }
    }
  } catch (err) {
    if (codeOf(err) === 'Authorization_RequestDenied' || (err as { status?: number }).status === 403) {
      throw new McpOboError('granting admin consent needs an administrator (your account was refused: Authorization_RequestDenied)', {
        code: 'consent-needs-admin',
        suggestion: `Ask a Global Administrator, Privileged Role Administrator or Cloud Application Administrator to open ${adminConsentUrl(input)} and accept, or to run \`mcp-obo consent\`. Then check with \`mcp-obo consent --verify\`.`,
        cause: err,
      });
    }
    throw err;
  }
  return verifyConsent(input);
}
