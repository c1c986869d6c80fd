/**
 * OIDC discovery at the configured authority: the issuer and JWKS location of the tenant's
 * v2 and v1 endpoints, fetched once and shared (the OBO client reuses the v2 document so msal
 * makes no discovery calls of its own).
 */
export interface OidcDocument {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  authorization_endpoint: string;
  [key: string]: unknown;
}

export class DiscoveryError extends Error {}

export async function fetchOidcDocument(url: string, fetchImpl: typeof fetch = fetch, timeoutMs = 5000): Promise<OidcDocument> {
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new DiscoveryError(`OIDC discovery at ${url} failed: ${(err as Error).message}`, { cause: err });
  }
  if (res.status !== 200) throw new DiscoveryError(`OIDC discovery at ${url} answered ${res.status}`);
  const doc = (await res.json().catch(() => null)) as Partial<OidcDocument> | null;
  for (const key of ['issuer', 'jwks_uri', 'token_endpoint', 'authorization_endpoint'] as const) {
    if (typeof doc?.[key] !== 'string') throw new DiscoveryError(`OIDC discovery at ${url} has no ${key}`);
  }
  return doc as OidcDocument;
}

/** Fetches lazily, shares one in-flight request, and retries after a failure. */
export class Discovery {
  private pending: Promise<OidcDocument> | undefined;
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;

  constructor(url: string, fetchImpl: typeof fetch = fetch) {
    this.url = url;
    this.fetchImpl = fetchImpl;
  }

  get(): Promise<OidcDocument> {
    this.pending ??= fetchOidcDocument(this.url, this.fetchImpl).catch((err: unknown) => {
      this.pending = undefined;
      throw err;
    });
    return this.pending;
  }
}
