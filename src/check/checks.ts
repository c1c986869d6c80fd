/**
 * The end-to-end checks of `mcp-obo test`, each a small function that says what it found and,
 * when it fails, the likely cause and the fix.
 */
export interface CheckResult {
  /** Stable, for scripts (`mcp-obo test --json`): the name is prose and may be reworded. */
  id: string;
  name: string;
  ok: boolean;
  /** Not run (no signed-in user to run it as); not a failure. */
  skipped?: boolean;
  /** Passed, but something users should know (which clients will fail, and the fix). */
  warning?: boolean;
  detail: string;
  /** The likely cause and the next step, when it failed. */
  advice?: string;
}

export interface Expectations {
  /** Base URL of the server (no trailing slash). */
  url: string;
  appId: string;
  /** Entra's v2 issuer of the tenant, or the server itself when it runs the authorization facade. */
  authorizationServer: string;
  tools: string[];
  /** The canonical MCP URL when it is an identifier URI of the app (deploy --domain). */
  identifierUri?: string;
}

/** The scope clients are told to request. */
export function expectedScope(e: Expectations): string {
  return `${e.identifierUri ?? `api://${e.appId}`}/access_as_user`;
}

type Fetch = typeof fetch;

/** A JSON-RPC request to the server's /mcp, with a bearer token or none. */
export function postMcp(e: Expectations, f: Fetch, token: string | undefined, message: object = { jsonrpc: '2.0', id: 1, method: 'tools/list' }): Promise<Response> {
  return f(`${e.url}/mcp`, {
    method: 'POST',
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(message),
  });
}

export async function checkHealth(e: Expectations, f: Fetch): Promise<CheckResult> {
  const id = 'health';
  const name = 'health';
  let res: Response;
  try {
    res = await f(`${e.url}/health`, { signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    return { id, name, ok: false, detail: `no answer from ${e.url} (${((err as Error).cause as Error)?.message ?? (err as Error).message})`, advice: 'The server is down or the URL is wrong: start it with `mcp-obo serve`, or check the deployment with `mcp-obo deploy` / `mcp-obo logs`.' };
  }
  const body = await res.text();
  return res.status === 200 && /"status"\s*:\s*"healthy"/.test(body)
    ? { id, name, ok: true, detail: '200 healthy' }
    : { id, name, ok: false, detail: `HTTP ${res.status}: ${body.slice(0, 120)}`, advice: 'The server answers but is not healthy: look at its logs.' };
}

export async function checkMetadata(e: Expectations, f: Fetch): Promise<CheckResult> {
  const id = 'resource-metadata';
  const name = 'protected-resource metadata';
  const res = await f(`${e.url}/.well-known/oauth-protected-resource/mcp`);
  if (res.status !== 200) return { id, name, ok: false, detail: `HTTP ${res.status}`, advice: 'This is not an mcp-obo server, or an old one: redeploy it.' };
  const m = (await res.json()) as { resource?: string; authorization_servers?: string[]; scopes_supported?: string[] };
  const scope = expectedScope(e);
  const problems: string[] = [];
  // The triangle: resource is an identifier URI of the app, every scope sits under it, the challenge names the same scope.
  if (e.identifierUri && m.resource !== e.identifierUri) problems.push(`resource is ${m.resource}, but the app's identifier URI is ${e.identifierUri} (APP_URL / MCP_OBO_IDENTIFIER_URI on the server)`);
  if (e.identifierUri && m.scopes_supported?.some((x) => !x.startsWith(`${e.identifierUri}/`))) problems.push(`scopes_supported ${JSON.stringify(m.scopes_supported)} are not all under ${e.identifierUri}`);
  if (!e.identifierUri && m.resource !== `${e.url}/mcp`) problems.push(`resource is ${m.resource}, expected ${e.url}/mcp (set APP_URL on the server)`);
  if (!m.authorization_servers?.includes(e.authorizationServer)) {
    problems.push(`authorization_servers is ${JSON.stringify(m.authorization_servers)}, expected ${e.authorizationServer} (${e.authorizationServer === e.url ? 'the authorization facade at the public URL: APP_URL on the server' : 'AZURE_TENANT_ID / AZURE_AUTHORITY_HOST on the server'})`);
  }
  if (!m.scopes_supported?.includes(scope)) problems.push(`scopes_supported is ${JSON.stringify(m.scopes_supported)}, expected ${scope} (the server's AZURE_CLIENT_ID is not this deployment's app)`);
  return problems.length ? { id, name, ok: false, detail: problems.join('; '), advice: 'The server is configured for another app, tenant or URL: fix its environment and restart or redeploy it.' } : { id, name, ok: true, detail: `resource ${m.resource}, scope ${scope}` };
}

export async function checkChallenge(e: Expectations, f: Fetch): Promise<CheckResult> {
  const id = 'challenge';
  const name = '401 challenge without a token';
  const res = await postMcp(e, f, undefined);
  const challenge = res.headers.get('www-authenticate') ?? '';
  const scope = expectedScope(e);
  if (res.status !== 401) return { id, name, ok: false, detail: `HTTP ${res.status} without a token`, advice: 'The server accepts unauthenticated requests: it is not running mcp-obo serve.' };
  const missing = [!/^Bearer /.test(challenge) && 'Bearer scheme', !challenge.includes(`scope="${scope}"`) && `scope="${scope}"`, !/resource_metadata="[^"]+"/.test(challenge) && 'resource_metadata'].filter(Boolean);
  return missing.length ? { id, name, ok: false, detail: `WWW-Authenticate lacks ${missing.join(', ')}: ${challenge}`, advice: 'MCP clients cannot discover how to sign in: update the server.' } : { id, name, ok: true, detail: '401 with scope and resource_metadata' };
}

export async function checkTamperedToken(e: Expectations, f: Fetch, token: string): Promise<CheckResult> {
  const id = 'tampered-token';
  const name = 'tampered token refused';
  const [h, p, s] = token.split('.');
  const flipped = `${h}.${p}.${(s ?? '').slice(0, -4)}${(s ?? '').slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  const res = await postMcp(e, f, flipped);
  return res.status === 401 ? { id, name, ok: true, detail: '401' } : { id, name, ok: false, detail: `HTTP ${res.status} for a token with a broken signature`, advice: 'The server does not verify token signatures: do not expose it; redeploy mcp-obo.' };
}

/** A token that looks right (audience, issuer, tenant, scope) but is signed by a key Entra never had. */
export async function checkForgedToken(e: Expectations, f: Fetch, tenantId: string): Promise<CheckResult> {
  const id = 'forged-token';
  const name = 'forged token refused';
  const { SignJWT, generateKeyPair } = await import('jose');
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(Date.now() / 1000);
  const forged = await new SignJWT({ scp: 'access_as_user', tid: tenantId, oid: '00000000-0000-0000-0000-000000000001', ver: '2.0', azp: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' })
    .setProtectedHeader({ alg: 'RS256', kid: 'mcp-obo-test-forged', typ: 'JWT' })
    .setIssuer(e.authorizationServer)
    .setAudience(e.appId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
  const res = await postMcp(e, f, forged);
  await res.body?.cancel();
  return res.status === 401 ? { id, name, ok: true, detail: '401' } : { id, name, ok: false, detail: `HTTP ${res.status} for a token signed by an unknown key`, advice: 'The server does not verify token signatures against Entra\'s keys: do not expose it; redeploy mcp-obo.' };
}

/**
 * Whether Entra accepts a token request that carries RFC 8707 `resource` = the metadata's resource,
 * as MCP clients send it. A device-code request is answered before any sign-in, so it is a safe probe.
 */
export async function checkResourceParameter(e: Expectations, f: Fetch, authority: string): Promise<CheckResult> {
  const id = 'entra-resource-parameter';
  const name = 'RFC 8707 resource accepted by Entra';
  const resource = e.identifierUri ?? `${e.url}/mcp`;
  const res = await f(`${authority}/oauth2/v2.0/devicecode`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', scope: `${expectedScope(e)} openid profile offline_access`, resource }),
  });
  const body = (await res.json().catch(() => ({}))) as { error_description?: string; error_codes?: number[] };
  if (res.status === 200) return { id, name, ok: true, detail: `resource=${resource} matches an identifier URI` };
  if (body.error_codes?.includes(9010010) || /AADSTS9010010/.test(body.error_description ?? '')) {
    return e.identifierUri
      ? { id, name, ok: false, detail: `Entra refused resource=${resource} (AADSTS9010010)`, advice: `The app lacks the identifier URI ${resource}: rerun \`mcp-obo deploy --domain ${new URL(resource).hostname}\`.` }
      : { id, name, ok: true, warning: true, detail: `Entra refuses resource=${resource} (AADSTS9010010): MCP clients that send RFC 8707 resource (recent VS Code, Claude, mcp-remote) cannot sign in; clients that omit it can`, advice: 'Fix: `mcp-obo deploy --domain <host on a domain verified in your tenant>`.' };
  }
  return { id, name, ok: true, skipped: true, detail: `could not probe (HTTP ${res.status}: ${(body.error_description ?? '').split('\n')[0]})` };
}

/** Advice for a tool error text, by what Entra or the APIs said. */
export function adviceForToolError(text: string): string {
  if (/AADSTS65001|consent/i.test(text)) return 'Admin consent is missing: run `mcp-obo consent` (administrator).';
  if (/AADSTS50105|not assigned/i.test(text)) return 'You are not in the app\'s users group: `mcp-obo users add <your sign-in name>` adds you (as an owner of the group or an administrator).';
  if (/AADSTS7002(1|11|12|13)|AADSTS700024|federated/i.test(text)) return 'The federated credential does not match the managed identity: run `mcp-obo provision` to repair it, then redeploy.';
  if (/AADSTS7000215|AADSTS7000222|secret/i.test(text)) return "The client secret is wrong or expired: run `mcp-obo provision` to issue a new one into the deployment's env file (.env.{prefix}-{env}.local), then restart `mcp-obo serve`.";
  if (/AADSTS50013|AADSTS500133/.test(text)) return 'Entra refused the user token for the exchange: the token was not for this app (wrong audience) or expired.';
  return 'See the message; `mcp-obo logs` shows the server side.';
}
