/**
 * `mcp-obo test` against the authorization facade: both metadata documents agree, registration
 * takes a loopback callback and refuses a foreign one, authorize refuses a request without PKCE
 * and one for another resource, and the consent page cannot be framed or cached.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expectedScope, type CheckResult, type Expectations } from './checks.ts';

type Fetch = typeof fetch;

const LOOPBACK_CALLBACK = 'http://127.0.0.1:33418/mcp-obo-test';
const FOREIGN_CALLBACK = 'https://attacker.example/cb';

interface AsMetadata {
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  registration_endpoint?: string;
  code_challenge_methods_supported?: string[];
  scopes_supported?: string[];
}

async function json<T>(res: Response): Promise<T | undefined> {
  return (await res.json().catch(() => undefined)) as T | undefined;
}

/**
 * `issuer` is the server's public URL; requests go to `e.url`, which differs when the public host
 * does not resolve from here (`--url` at the ingress address).
 */
export async function facadeChecks(e: Expectations, f: Fetch, issuer: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const at = (u: string) => (u.startsWith(`${issuer}/`) ? `${e.url}${u.slice(issuer.length)}` : u);
  const fail = (id: string, name: string, detail: string, advice = 'The authorization facade is misconfigured or an old server answers: update and redeploy it (`mcp-obo deploy`).') => ({ id, name, ok: false, detail, advice });

  // RFC 8414 metadata for an issuer without a path lives at the origin's well-known URI.
  const id = 'facade.metadata';
  const name = 'authorization server metadata';
  const res = await f(`${e.url}/.well-known/oauth-authorization-server${new URL(issuer).pathname.replace(/\/$/, '')}`);
  const m = res.status === 200 ? await json<AsMetadata>(res) : undefined;
  if (!m) return [fail(id, name, `HTTP ${res.status} at /.well-known/oauth-authorization-server`)];
  const problems: string[] = [];
  if (m.issuer !== issuer) problems.push(`issuer is ${m.issuer}, but the resource metadata names ${issuer}`);
  for (const k of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint'] as const) if (!m[k]?.startsWith(`${issuer}/`)) problems.push(`${k} ${m[k]} is not under ${issuer}`);
  if (!m.code_challenge_methods_supported?.includes('S256')) problems.push('PKCE S256 is not advertised');
  if (!m.scopes_supported?.includes(expectedScope(e))) problems.push(`scopes_supported lacks ${expectedScope(e)}`);
  out.push(problems.length ? fail(id, name, problems.join('; ')) : { id, name, ok: true, detail: `issuer ${issuer}, PKCE S256, registration open` });
  if (problems.length) return out;

  const register = (uri: string) =>
    f(at(m.registration_endpoint!), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'mcp-obo test', redirect_uris: [uri], token_endpoint_auth_method: 'none' }) });
  const good = await register(LOOPBACK_CALLBACK);
  const client = good.status === 201 ? await json<{ client_id?: string }>(good) : undefined;
  const bad = await register(FOREIGN_CALLBACK);
  const badBody = await json<{ error?: string }>(bad);
  if (!client?.client_id) out.push(fail('facade.registration', 'client registration', `a loopback redirect URI was refused (HTTP ${good.status})`));
  else if (bad.status !== 400 || badBody?.error !== 'invalid_redirect_uri') out.push(fail('facade.registration', 'client registration', `${FOREIGN_CALLBACK} was accepted (HTTP ${bad.status})`, 'Any site could register and receive codes: check MCP_OBO_REDIRECT_URIS on the server.'));
  else out.push({ id: 'facade.registration', name: 'client registration', ok: true, detail: `loopback accepted, ${FOREIGN_CALLBACK} refused` });
  if (!client?.client_id) return out;

  const authorize = async (extra: Record<string, string>) => {
    const url = new URL(at(m.authorization_endpoint!));
    url.search = new URLSearchParams({ response_type: 'code', client_id: client.client_id!, redirect_uri: LOOPBACK_CALLBACK, state: 'mcp-obo-test', ...extra }).toString();
    return f(url, { redirect: 'manual' });
  };
  const errorOf = (r: Response) => {
    const location = r.headers.get('location');
    return location && location.startsWith(LOOPBACK_CALLBACK) ? new URL(location).searchParams.get('error') : `HTTP ${r.status}`;
  };
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const noPkce = errorOf(await authorize({}));
  const foreign = errorOf(await authorize({ code_challenge: challenge, code_challenge_method: 'S256', resource: 'https://attacker.example/mcp' }));
  out.push(
    noPkce === 'invalid_request' && foreign === 'invalid_target'
      ? { id: 'facade.authorize-refusals', name: 'authorize refusals', ok: true, detail: 'no PKCE: invalid_request; foreign resource: invalid_target' }
      : fail('facade.authorize-refusals', 'authorize refusals', `without PKCE: ${noPkce}; with a foreign resource: ${foreign}`),
  );

  const page = await authorize({ code_challenge: challenge, code_challenge_method: 'S256', resource: `${issuer}/mcp` });
  const csp = page.headers.get('content-security-policy') ?? '';
  const body = await page.text();
  const missing = [
    page.status !== 200 && `HTTP ${page.status}`,
    !csp.includes("frame-ancestors 'none'") && "CSP frame-ancestors 'none'",
    /script-src|unsafe-inline/.test(csp) && 'a CSP without script',
    page.headers.get('x-frame-options') !== 'DENY' && 'X-Frame-Options DENY',
    page.headers.get('cache-control') !== 'no-store' && 'Cache-Control no-store',
    !/<form method="post"[^>]*>/.test(body) && 'the consent form',
    !/name="csrf"/.test(body) && 'a CSRF field',
  ].filter(Boolean);
  out.push(missing.length ? fail('facade.consent-page', 'consent page', `lacks ${missing.join(', ')}`) : { id: 'facade.consent-page', name: 'consent page', ok: true, detail: 'one POST form with a CSRF field; CSP without script, not frameable, not cached' });
  return out;
}
