/**
 * GitHub Actions' OIDC token, fresh for every sign-in: the job's runtime hands out a new one on
 * request (ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN, as @actions/core
 * getIDToken and azd's GitHub token client ask for it), and each lives about five minutes. A token
 * written to a file once is stale before a long deploy needs its next Azure token; asking each
 * time is what azd does (Azure/azure-dev cli/azd/pkg/auth/github.go).
 */
import { McpOboError } from '../errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

export function githubOidcAvailable(env: Env): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

/** A getAssertion callback for ClientAssertionCredential: one request to the runtime per call. */
export function githubAssertion(env: Env, audience: string, fetchImpl: typeof fetch = fetch): () => Promise<string> {
  return async () => {
    const base = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!base || !bearer) throw missing();
    const url = new URL(base);
    url.searchParams.set('audience', audience);
    let res: Response;
    try {
      res = await fetchImpl(url, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new McpOboError(`could not reach GitHub's OIDC token endpoint (${(err as Error).message})`, { code: 'github-oidc-failed', suggestion: 'Rerun the job; if it persists, check githubstatus.com.', cause: err });
    }
    const body = (await res.json().catch(() => undefined)) as { value?: unknown; message?: unknown } | undefined;
    if (res.status !== 200 || typeof body?.value !== 'string' || !body.value) {
      throw new McpOboError(`GitHub's OIDC token endpoint answered HTTP ${res.status}${typeof body?.message === 'string' ? `: ${body.message}` : ''}`, {
        code: 'github-oidc-failed',
        suggestion: 'The job needs `permissions: id-token: write` (workflows of pull requests from forks get no token).',
      });
    }
    return body.value;
  };
}

function missing(): McpOboError {
  return new McpOboError('GitHub gave this job no OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set)', {
    code: 'github-oidc-failed',
    suggestion: 'Add `permissions: id-token: write` to the workflow or job.',
  });
}
