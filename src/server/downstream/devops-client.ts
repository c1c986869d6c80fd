/**
 * Azure DevOps for tools, as the user: JSON calls to an organisation's REST API and the profile
 * service. DevOps answers a token it does not accept with 203 and an HTML sign-in page, or a
 * redirect, instead of a JSON 401 (redirects are suppressed by header and never followed here).
 */
import type { DevOpsClient, DevOpsOrganization, DevOpsProfile, DevOpsRequestInit } from '../../tools/define.ts';
import type { AuthorizedFetch } from './access.ts';
import { refusal } from './errors.ts';
import { DownstreamError } from './http.ts';

export interface DevOpsEndpoints {
  /** Organisation APIs: `{api}/{organization}/...` (https://dev.azure.com). */
  api: string;
  /** The profile and accounts service (https://app.vssps.visualstudio.com). */
  profile: string;
}

const SERVICE = 'Azure DevOps';
/** The profile API is preview-only in some versions: what each profile service accepted, remembered across calls. */
const profileVersions = new Map<string, Promise<string>>();
const PROFILE_PREVIEW = '7.1-preview.3';
const ORG = /^[A-Za-z0-9][A-Za-z0-9-]{0,49}$/;

export function devopsClient(fetchAs: AuthorizedFetch, endpoints: DevOpsEndpoints, scopes: readonly string[]): DevOpsClient {
  let profileOnce: Promise<DevOpsProfile> | undefined;

  async function call<T>(url: URL, init: DevOpsRequestInit = {}): Promise<T> {
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', init.apiVersion ?? '7.1');
    const hasBody = init.body !== undefined;
    const res = await fetchAs(url, {
      method: init.method ?? (hasBody ? 'POST' : 'GET'),
      headers: { accept: 'application/json', 'x-tfs-fedauthredirect': 'Suppress', ...(hasBody ? { 'content-type': init.contentType ?? 'application/json' } : {}) },
      ...(hasBody ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
      redirect: 'manual',
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const signIn = res.status === 203 || (res.status >= 300 && res.status < 400) || (res.status === 200 && body === undefined);
    if (signIn || res.status === 401) {
      throw new DownstreamError('auth', `${SERVICE} did not accept the exchanged token (it answered with a sign-in page). Check that the MCP server has the Azure DevOps permissions ${scopes.join(', ')} with admin consent (\`mcp-obo consent\`) and that you belong to the organisation.`, res.status);
    }
    if (res.status >= 200 && res.status < 300) return body as T;
    const err = body as { message?: string; typeKey?: string } | undefined;
    const retryAfter = Number(res.headers.get('retry-after'));
    throw refusal(SERVICE, scopes, { status: res.status, code: err?.typeKey, message: err?.message, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined });
  }

  return {
    request<T>(organization: string, path: string, init: DevOpsRequestInit = {}) {
      if (!ORG.test(organization)) throw new DownstreamError('bad_request', `"${organization}" is not an Azure DevOps organisation name.`);
      const url = new URL(`${endpoints.api}/${organization}/${path.replace(/^\/+/, '')}`);
      // A path cannot climb out of the organisation (../) or name another host.
      if (url.origin !== new URL(endpoints.api).origin || !url.pathname.startsWith(`${new URL(endpoints.api).pathname.replace(/\/$/, '')}/${organization}/`)) {
        throw new DownstreamError('bad_request', `"${path}" is not a path inside the organisation.`);
      }
      for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      return call<T>(url, init);
    },
    profile(): Promise<DevOpsProfile> {
      // Once per call: organizations() needs it too.
      profileOnce ??= readProfile();
      return profileOnce;
    },
    async organizations(): Promise<DevOpsOrganization[]> {
      const me = await this.profile();
      const url = new URL(`${endpoints.profile}/_apis/accounts`);
      url.searchParams.set('memberId', me.id);
      const body = await call<{ value?: Record<string, unknown>[] }>(url);
      return (Array.isArray(body?.value) ? body.value : [])
        .filter((a) => typeof a.accountName === 'string')
        .map((a) => ({ id: String(a.accountId ?? ''), name: a.accountName as string, url: `https://dev.azure.com/${a.accountName as string}` }));
    },
  };

  async function readProfile(): Promise<DevOpsProfile> {
    const at = (version: string) => new URL(`${endpoints.profile}/_apis/profile/profiles/me?api-version=${version}`);
    const pending = profileVersions.get(endpoints.profile);
    const known = pending ? await pending.catch(() => undefined) : undefined;
    if (known) return parseProfile(await call(at(known)));
    // The first caller finds out which version the service takes; the others wait for that, not for a 400 each.
    let settle!: (version: string | undefined) => void;
    const probe = new Promise<string | undefined>((resolve) => (settle = resolve)).then((v) => v ?? Promise.reject(new Error('unknown')));
    probe.catch(() => {});
    if (!profileVersions.get(endpoints.profile)) profileVersions.set(endpoints.profile, probe);
    try {
      const body = await call<Record<string, unknown>>(at('7.1')).catch(async (err: unknown) => {
        if (!(err instanceof DownstreamError && err.status === 400 && /PreviewVersion/i.test(err.message))) throw err;
        const preview = await call<Record<string, unknown>>(at(PROFILE_PREVIEW));
        settle(PROFILE_PREVIEW);
        return preview;
      });
      settle('7.1');
      return parseProfile(body);
    } catch (err) {
      profileVersions.delete(endpoints.profile);
      settle(undefined);
      throw err;
    }
  }
}

function parseProfile(body: Record<string, unknown>): DevOpsProfile {
  if (typeof body?.id !== 'string') throw new DownstreamError('bad_response', `${SERVICE} returned a profile without an id.`);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { id: body.id, displayName: str(body.displayName), emailAddress: str(body.emailAddress), publicAlias: str(body.publicAlias) };
}
