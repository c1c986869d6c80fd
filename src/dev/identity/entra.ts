/**
 * A local identity platform for `mcp-obo dev`, speaking Entra ID's v2 protocol as the server and
 * msal-node use it: OIDC discovery and keys, a sign-in page listing the sample users, and the token
 * endpoint (authorization code with PKCE, refresh, On-Behalf-Of). Errors carry Entra's AADSTS codes,
 * so the server's advice reads as it would in a real tenant. It signs with a key made at start.
 * learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow, v2-oauth2-on-behalf-of-flow
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SampleUser } from '../sample/tenant.ts';
import { DEV_TENANT_ID, DEVOPS_APP_ID, GRAPH_APP_ID, PUBLISHED, type DevApp } from './directory.ts';
import type { SigningKey } from './keys.ts';
import { signInPage } from './page.ts';

export interface PlatformRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  body: Buffer;
}

export interface PlatformResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface LocalEntraOptions {
  key: SigningKey;
  app: DevApp;
  users: readonly SampleUser[];
  /** Where the server reaches the platform (https, through the dev connector). */
  issuerBase: string;
  /** Where a browser reaches the sign-in page (plain http on localhost). */
  browserBase: string;
  /** Identifiers of the sample Graph (its endpoint as the server knows it). */
  graphEndpoint: string;
  /** `resource/permission` pairs treated as not consented (`graph/Mail.Read`), to try a tool's consent advice. */
  withoutConsent?: readonly string[];
  lifetimeSec?: number;
}

class AadError extends Error {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly suberror: string | undefined;

  constructor(status: number, error: string, code: number, message: string, suberror?: string) {
    super(message);
    this.status = status;
    this.error = error;
    this.code = code;
    this.suberror = suberror;
  }
}

const OIDC = new Set(['openid', 'profile', 'offline_access', 'email']);
const json = (status: number, body: unknown, headers: Record<string, string> = {}): PlatformResponse => ({ status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) });

function aadResponse(e: AadError): PlatformResponse {
  const trace = randomUUID();
  return json(e.status, {
    error: e.error, error_description: `AADSTS${e.code}: ${e.message} Trace ID: ${trace} Correlation ID: ${trace} Timestamp: ${new Date().toISOString()}`,
    error_codes: [e.code], timestamp: new Date().toISOString(), trace_id: trace, correlation_id: trace, ...(e.suberror ? { suberror: e.suberror } : {}),
  });
}

interface Code {
  oid: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  expires: number;
}

export function createLocalEntra(o: LocalEntraOptions) {
  const lifetime = o.lifetimeSec ?? 3600;
  const v2Issuer = `${o.issuerBase}/${DEV_TENANT_ID}/v2.0`;
  const v1Issuer = `${o.issuerBase}/${DEV_TENANT_ID}/`;
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, { oid: string; scope: string }>();
  const without = new Set((o.withoutConsent ?? []).map((s) => s.toLowerCase()));
  const userOf = (oid: string) => o.users.find((u) => u.oid === oid);

  const discovery = (browser: boolean) => ({
    issuer: v2Issuer,
    authorization_endpoint: `${o.browserBase}/${DEV_TENANT_ID}/oauth2/v2.0/authorize`,
    token_endpoint: `${o.issuerBase}/${DEV_TENANT_ID}/oauth2/v2.0/token`,
    jwks_uri: `${browser ? o.browserBase : o.issuerBase}/${DEV_TENANT_ID}/discovery/v2.0/keys`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'name', 'preferred_username', 'oid', 'tid'],
    tenant_region_scope: 'NA',
    cloud_instance_name: 'mcp-obo.localhost',
  });

  /** The resource a scope prefix names. */
  function resourceOf(prefix: string): { key: 'graph' | 'devops' | 'self' | 'api'; audience: string } {
    const p = prefix.replace(/\/+$/, '').toLowerCase();
    if ([o.graphEndpoint.toLowerCase(), 'https://graph.microsoft.com', GRAPH_APP_ID].includes(p)) return { key: 'graph', audience: prefix.replace(/\/+$/, '') };
    if ([DEVOPS_APP_ID, 'https://app.vssps.visualstudio.com'].includes(p)) return { key: 'devops', audience: DEVOPS_APP_ID };
    if ([o.app.clientId, `api://${o.app.clientId}`].includes(p)) return { key: 'self', audience: o.app.clientId };
    // Any other identifier URI is a sample API of this tenant: its tokens are signed by this platform too.
    if (/^(api|https):\/\/./i.test(prefix)) return { key: 'api', audience: prefix.replace(/\/+$/, '') };
    throw new AadError(400, 'invalid_resource', 500011, `The resource principal named ${prefix} was not found in the tenant named mcp-obo dev.`);
  }

  function parseScopes(scope: string): { resource: ReturnType<typeof resourceOf>; names: string[] } {
    const wanted = scope.split(/\s+/).filter((s) => s && !OIDC.has(s.toLowerCase()));
    if (wanted.length === 0) throw new AadError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
    let resource: ReturnType<typeof resourceOf> | undefined;
    const names: string[] = [];
    for (const s of wanted) {
      const i = s.lastIndexOf('/');
      const r = resourceOf(i === -1 ? GRAPH_APP_ID : s.slice(0, i));
      if (resource && resource.audience.toLowerCase() !== r.audience.toLowerCase()) throw new AadError(400, 'invalid_scope', 28000, `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`);
      resource = r;
      names.push(i === -1 ? s : s.slice(i + 1));
    }
    return { resource: resource!, names };
  }

  /** The permissions granted for a request, or AADSTS65001 for the first that is not consented. */
  function granted(resource: ReturnType<typeof resourceOf>, names: string[]): string[] {
    if (resource.key === 'self') return ['access_as_user'];
    const published = resource.key === 'api' ? undefined : PUBLISHED[resource.key];
    const list = names.includes('.default') ? (published ?? []).filter((s) => !OIDC.has(s.toLowerCase()) && s !== 'user_impersonation') : names;
    for (const n of list) {
      if (published && !published.some((p) => p.toLowerCase() === n.toLowerCase())) throw new AadError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${n} does not exist on the resource.`);
      if (without.has(`${resource.key}/${n}`.toLowerCase())) {
        throw new AadError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${o.app.clientId}' named 'mcp-obo dev'. Send an interactive authorization request for this user and resource.`, 'consent_required');
      }
    }
    return list;
  }

  function clientAuth(form: URLSearchParams, req: PlatformRequest): void {
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(req.header('authorization') ?? '')?.[1];
    if (basic) [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) as [string, string];
    if (id !== o.app.clientId) throw new AadError(400, 'unauthorized_client', 700016, `Application with identifier '${id ?? ''}' was not found in the directory 'mcp-obo dev'.`);
    if (secret !== o.app.clientSecret) throw new AadError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
  }

  async function userTokens(user: SampleUser, scope: string) {
    const access = await o.key.sign({ aud: o.app.clientId, iss: v2Issuer, tid: DEV_TENANT_ID, oid: user.oid, sub: user.oid, name: user.displayName, preferred_username: user.userPrincipalName, azp: o.app.clientId, azpacr: '1', scp: 'access_as_user', ver: '2.0', uti: randomBytes(12).toString('base64url') }, lifetime);
    const refresh = randomBytes(32).toString('base64url');
    refreshTokens.set(refresh, { oid: user.oid, scope });
    return { token_type: 'Bearer', scope: `api://${o.app.clientId}/access_as_user openid profile offline_access`, expires_in: lifetime, ext_expires_in: lifetime, access_token: access, refresh_token: refresh };
  }

  async function onBehalfOf(form: URLSearchParams) {
    if (form.get('requested_token_use') !== 'on_behalf_of') throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'requested_token_use'.");
    const claims = await o.key.verify(form.get('assertion') ?? '', [o.app.clientId, `api://${o.app.clientId}`], [v2Issuer, v1Issuer]);
    if (!claims) throw new AadError(400, 'invalid_grant', 50013, 'Assertion failed signature validation, is not for this application, or has expired.');
    if (typeof claims.scp !== 'string' || !claims.scp) throw new AadError(400, 'invalid_grant', 50013, 'Assertion is not a delegated (user) token: it carries no scp claim.');
    const user = userOf(String(claims.oid));
    if (!user) throw new AadError(400, 'invalid_grant', 50034, 'The user account does not exist in the mcp-obo dev directory.');
    const { resource, names } = parseScopes(form.get('scope') ?? '');
    const scp = granted(resource, names);
    const capable = /"xms_cc"\s*:\s*\{\s*"values"\s*:\s*\[[^\]]*"CP1"/.test(form.get('claims') ?? '');
    const token = await o.key.sign({
      aud: resource.audience, iss: resource.key === 'api' ? v2Issuer : v1Issuer, tid: DEV_TENANT_ID, oid: user.oid, sub: createHash('sha256').update(`${user.oid}|${resource.audience}`).digest('base64url'),
      name: user.displayName, upn: user.userPrincipalName, unique_name: user.userPrincipalName, appid: o.app.clientId, azp: o.app.clientId, scp: scp.join(' '), ver: resource.key === 'api' ? '2.0' : '1.0',
      ...(capable ? { xms_cc: ['CP1'] } : {}),
    }, lifetime);
    return { token_type: 'Bearer', scope: scp.map((s) => `${resource.audience}/${s}`).join(' '), expires_in: lifetime, ext_expires_in: lifetime, access_token: token };
  }

  async function token(req: PlatformRequest): Promise<PlatformResponse> {
    const form = new URLSearchParams(req.body.toString('utf8'));
    clientAuth(form, req);
    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const c = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!c || c.expires < Date.now()) throw new AadError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
        if (form.get('redirect_uri') !== c.redirectUri) throw new AadError(400, 'invalid_grant', 50011, 'The redirect URI specified in the request does not match the redirect URI used to obtain the authorization code.');
        if (createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== c.challenge) throw new AadError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
        return json(200, await userTokens(userOf(c.oid)!, c.scope));
      }
      case 'refresh_token': {
        const rt = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!rt) throw new AadError(400, 'invalid_grant', 9002313, 'Invalid request. The refresh token is not valid.');
        refreshTokens.delete(form.get('refresh_token')!);
        return json(200, await userTokens(userOf(rt.oid)!, rt.scope));
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return json(200, await onBehalfOf(form));
      default:
        throw new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.get('grant_type') ?? ''}'.`);
    }
  }

  /** The sign-in page (GET) and the chosen user (POST from that page), then back to the app with a code. */
  function authorize(req: PlatformRequest, form: URLSearchParams | undefined): PlatformResponse {
    const q = req.query;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (q.get('client_id') !== o.app.clientId) return page(400, `AADSTS700016: Application with identifier '${q.get('client_id') ?? ''}' was not found in the directory 'mcp-obo dev'.`);
    // The app's registered callback: its /oauth/callback on localhost, any port (as Entra matches localhost redirect URIs).
    let cb: URL | undefined;
    try {
      cb = new URL(redirectUri);
    } catch {
      cb = undefined;
    }
    if (!cb || cb.protocol !== 'http:' || !['localhost', '127.0.0.1'].includes(cb.hostname) || cb.pathname !== '/oauth/callback') {
      return page(400, `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application.`);
    }
    if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
      return back(redirectUri, { error: 'invalid_request', error_description: 'AADSTS900144: response_type=code with an S256 code_challenge is required.', state: q.get('state') ?? '' });
    }
    if (!form) return { status: 200, headers: signInPage.headers, body: signInPage.render(o.users, `${req.path}?${q.toString()}`) };
    const user = userOf(form.get('user') ?? '');
    if (!user) return page(400, 'Choose one of the sample users.');
    const code = randomBytes(32).toString('base64url');
    codes.set(code, { oid: user.oid, redirectUri, challenge: q.get('code_challenge')!, scope: q.get('scope') ?? '', expires: Date.now() + 10 * 60_000 });
    return back(redirectUri, { code, state: q.get('state') ?? '' });
  }

  const page = (status: number, message: string): PlatformResponse => ({ status, headers: signInPage.headers, body: signInPage.error(message) });
  const back = (uri: string, params: Record<string, string>): PlatformResponse => {
    const url = new URL(uri);
    for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
    return { status: 302, headers: { location: url.href, 'cache-control': 'no-store' } };
  };

  return {
    v2Issuer,
    /** A user's access token for the dev server, as a client would get one (tests, the testing kit). */
    async userToken(oid: string): Promise<string> {
      const user = userOf(oid);
      if (!user) throw new RangeError(`no sample user ${oid}`);
      return (await userTokens(user, 'access_as_user')).access_token;
    },
    async handle(req: PlatformRequest, browser: boolean): Promise<PlatformResponse | undefined> {
      const t = `/${DEV_TENANT_ID}`;
      try {
        if (req.method === 'GET' && (req.path === `${t}/v2.0/.well-known/openid-configuration` || req.path === `${t}/.well-known/openid-configuration`)) {
          const doc = discovery(browser);
          return json(200, req.path.includes('/v2.0/') ? doc : { ...doc, issuer: v1Issuer, jwks_uri: doc.jwks_uri.replace('/v2.0/keys', '/keys') });
        }
        if (req.method === 'GET' && (req.path === `${t}/discovery/v2.0/keys` || req.path === `${t}/discovery/keys`)) return json(200, o.key.jwks(), { 'cache-control': 'max-age=3600' });
        if (req.path === `${t}/oauth2/v2.0/token`) return req.method === 'POST' ? await token(req) : json(405, { error: 'invalid_request' }, { allow: 'POST' });
        if (req.path === `${t}/oauth2/v2.0/authorize` && browser) {
          if (req.method === 'GET') return authorize(req, undefined);
          // Only the sign-in page itself may choose a user (no cross-site form posts).
          const origin = req.header('origin');
          if (req.method === 'POST' && (!origin || origin === o.browserBase)) return authorize(req, new URLSearchParams(req.body.toString('utf8')));
          return page(403, 'This sign-in form was not posted from the sign-in page.');
        }
      } catch (e) {
        if (e instanceof AadError) return aadResponse(e);
        throw e;
      }
      return undefined;
    },
  };
}

export type LocalEntra = ReturnType<typeof createLocalEntra>;
