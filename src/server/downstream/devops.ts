/**
 * Azure DevOps as the signed-in user: profile and organisations. DevOps answers a bad token with
 * 203 and an HTML sign-in page, or a redirect, instead of a JSON 401; those are auth failures.
 */
import { DownstreamError, type JsonResponse, type Requester } from './http.ts';

export interface DevOpsProfile {
  id: string;
  displayName: string | null;
  emailAddress: string | null;
  publicAlias: string | null;
}

export interface DevOpsOrganization {
  id: string;
  name: string;
  url: string;
}

export interface DevOpsApi {
  getProfile(token: string): Promise<DevOpsProfile>;
  getOrganizations(token: string, memberId: string): Promise<DevOpsOrganization[]>;
}

const SERVICE = 'Azure DevOps';
const HEADERS = { 'x-tfs-fedauthredirect': 'Suppress' };

export function createDevOpsApi(endpoint: string, request: Requester): DevOpsApi {
  // The profile API is documented as preview-only in some versions; remember what the service accepts.
  let profileVersion = '7.1';

  return {
    async getProfile(token) {
      let res = await request(`${endpoint}/_apis/profile/profiles/me?api-version=${profileVersion}`, { token, headers: HEADERS, service: SERVICE });
      if (res.status === 400 && typeKey(res) === 'VssInvalidPreviewVersionException' && !profileVersion.includes('preview')) {
        profileVersion = '7.1-preview.3';
        res = await request(`${endpoint}/_apis/profile/profiles/me?api-version=${profileVersion}`, { token, headers: HEADERS, service: SERVICE });
      }
      const body = expectJson(res);
      if (typeof body.id !== 'string') throw new DownstreamError('bad_response', `${SERVICE} returned a profile without an id.`, res.status);
      return { id: body.id, displayName: str(body.displayName), emailAddress: str(body.emailAddress), publicAlias: str(body.publicAlias) };
    },

    async getOrganizations(token, memberId) {
      const res = await request(`${endpoint}/_apis/accounts?memberId=${encodeURIComponent(memberId)}&api-version=7.1`, { token, headers: HEADERS, service: SERVICE });
      const body = expectJson(res);
      const value = Array.isArray(body.value) ? (body.value as Record<string, unknown>[]) : [];
      return value
        .filter((a) => typeof a.accountName === 'string')
        .map((a) => ({ id: String(a.accountId ?? ''), name: a.accountName as string, url: `https://dev.azure.com/${a.accountName as string}` }));
    },
  };
}

function expectJson(res: JsonResponse): Record<string, unknown> {
  const signIn = res.status === 203 || (res.status >= 300 && res.status < 400) || (res.status === 200 && res.body === undefined);
  if (signIn || res.status === 401) {
    throw new DownstreamError('auth', `${SERVICE} did not accept the exchanged token (it answered with a sign-in page). Check that the MCP server has the Azure DevOps permission with admin consent (\`mcp-obo consent\`) and that you belong to an Azure DevOps organisation.`, res.status);
  }
  if (res.status === 403) throw new DownstreamError('forbidden', `${SERVICE} denied access.`, 403);
  if (res.status >= 500) throw new DownstreamError('unavailable', `${SERVICE} is unavailable (HTTP ${res.status}); try again shortly.`, res.status);
  if (res.status !== 200 || !res.body || typeof res.body !== 'object') {
    throw new DownstreamError('bad_response', `${SERVICE} answered HTTP ${res.status}${typeKey(res) ? ` (${typeKey(res)})` : ''}.`, res.status);
  }
  return res.body as Record<string, unknown>;
}

function typeKey(res: JsonResponse): string | undefined {
  const b = res.body as { typeKey?: string } | undefined;
  return typeof b?.typeKey === 'string' ? b.typeKey : undefined;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
