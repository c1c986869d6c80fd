/** Microsoft Graph as the signed-in user: the profile behind GET /v1.0/me. */
import { claimsChallenge, DownstreamError, type JsonResponse, type Requester } from './http.ts';

export interface GraphProfile {
  id: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string | null;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
}

const FIELDS = ['id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'jobTitle', 'department', 'officeLocation'] as const;

export interface GraphApi {
  getMe(token: string): Promise<GraphProfile>;
}

export function createGraphApi(endpoint: string, request: Requester): GraphApi {
  return {
    async getMe(token) {
      const res = await request(`${endpoint}/v1.0/me?$select=${FIELDS.join(',')}`, { token, service: 'Microsoft Graph' });
      const body = expectOk(res, 'Microsoft Graph');
      if (typeof body.id !== 'string') throw new DownstreamError('bad_response', 'Microsoft Graph returned a profile without an id.', res.status);
      const profile = {} as Record<string, string | null>;
      for (const f of FIELDS) profile[f] = typeof body[f] === 'string' ? (body[f] as string) : null;
      return profile as unknown as GraphProfile;
    },
  };
}

function expectOk(res: JsonResponse, service: string): Record<string, unknown> {
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
  if (res.status === 200 && res.body && typeof res.body === 'object') return res.body as Record<string, unknown>;
  const claims = res.status === 401 ? claimsChallenge(res) : undefined;
  if (claims) throw new DownstreamError('claims_challenge', `${service} asks for a fresh sign-in (Continuous Access Evaluation: your session was revoked or its conditions changed). Sign in again in your MCP client.`, 401, claims);
  if (res.status === 401) throw new DownstreamError('auth', `${service} did not accept the exchanged token${code ? ` (${code})` : ''}; sign in again.`, 401);
  if (res.status === 403) throw new DownstreamError('forbidden', `${service} denied access${code ? ` (${code})` : ''}: the permission may need admin consent (\`mcp-obo consent\`).`, 403);
  if (res.status === 404) throw new DownstreamError('not_found', `${service} has no such object${code ? ` (${code})` : ''}.`, 404);
  if (res.status >= 500) throw new DownstreamError('unavailable', `${service} is unavailable (HTTP ${res.status}); try again shortly.`, res.status);
  throw new DownstreamError('bad_response', `${service} answered HTTP ${res.status}${code ? ` (${code})` : ''}.`, res.status);
}
