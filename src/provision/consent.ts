/**
 * Tenant-wide admin consent for the server's delegated permissions, as the portal's "Grant admin
 * consent" button does it: the resource's service principal is created when the tenant lacks it,
 * then one AllPrincipals grant per resource holds exactly the required scopes. Then verified.
 */
import { McpOboError } from '../errors.ts';
import { codeOf } from '../azure/errors.ts';
import type { GraphApi } from '../graph/client.ts';
import { ACCESS_AS_USER, REQUIRED_PERMISSIONS } from '../graph/constants.ts';
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

export interface ConsentInput {
  graph: GraphApi;
  /** Object id of the server's service principal. */
  clientSpId: string;
  appId: string;
  tenantId: string;
  authorityHost: string;
  retry<T>(label: string, fn: () => Promise<T>, opts?: { propagation?: boolean }): Promise<T>;
}

export function adminConsentUrl(input: Pick<ConsentInput, 'authorityHost' | 'tenantId' | 'appId'>): string {
  return `${input.authorityHost}/${input.tenantId}/adminconsent?client_id=${input.appId}`;
}

/**
 * What is consented: the downstream APIs' permissions, and the app's own scope for itself, which
 * the authorization facade requests when it signs users in as the app (so Entra does not prompt).
 */
function permissions(appId: string): { resourceAppId: string; name: string; scopes: readonly { value: string }[] }[] {
  return [...REQUIRED_PERMISSIONS, { resourceAppId: appId, name: 'this MCP server', scopes: [{ value: ACCESS_AS_USER }] }];
}

async function grantsOf(graph: GraphApi, clientSpId: string): Promise<Grant[]> {
  return graph.list<Grant>(`/oauth2PermissionGrants?$filter=clientId eq '${clientSpId}' and consentType eq 'AllPrincipals'`);
}

/** What is granted now, permission by permission (reads only). */
export async function verifyConsent(input: Pick<ConsentInput, 'graph' | 'clientSpId' | 'appId'>): Promise<PermissionStatus[]> {
  const grants = await grantsOf(input.graph, input.clientSpId);
  const out: PermissionStatus[] = [];
  for (const r of permissions(input.appId)) {
    const sp = await optional(() => input.graph.get<{ id: string }>(`/servicePrincipals(appId='${r.resourceAppId}')?$select=id`));
    const scopes = new Set(grants.filter((g) => sp && g.resourceId === sp.id).flatMap((g) => (g.scope ?? '').split(' ').filter(Boolean)));
    for (const s of r.scopes) out.push({ resource: r.name, permission: s.value, status: scopes.has(s.value) ? 'granted' : 'missing' });
  }
  return out;
}

export async function grantConsent(input: ConsentInput): Promise<PermissionStatus[]> {
  try {
    for (const r of permissions(input.appId)) {
      // A first-party API (Azure DevOps) may have no service principal in the tenant yet.
      const resourceSp =
        (await optional(() => input.graph.get<{ id: string }>(`/servicePrincipals(appId='${r.resourceAppId}')?$select=id`))) ??
        (await input.retry(`${r.name} service principal`, () => input.graph.post<{ id: string }>('/servicePrincipals', { appId: r.resourceAppId })));
      const wanted = r.scopes.map((s) => s.value);
      const existing = (await grantsOf(input.graph, input.clientSpId)).find((g) => g.resourceId === resourceSp.id);
      if (!existing) {
        await input.retry(`${r.name} consent`, () => input.graph.post('/oauth2PermissionGrants', { clientId: input.clientSpId, consentType: 'AllPrincipals', resourceId: resourceSp.id, scope: wanted.join(' ') }), {
          propagation: true,
        });
      } else if ([...new Set((existing.scope ?? '').split(' ').filter(Boolean))].sort().join(' ') !== [...wanted].sort().join(' ')) {
        await input.retry(`${r.name} consent`, () => input.graph.patch(`/oauth2PermissionGrants/${existing.id}`, { scope: wanted.join(' ') }));
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
