/**
 * What a user's browser does in an OAuth sign-in, for tests: follows redirects one at a time,
 * keeps cookies per host (honouring Secure, Path=/ and Max-Age=0), submits our consent form, and
 * stops at the MCP client's redirect URI (which no server answers) to hand back its query.
 */
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

export interface Hop {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export class Browser {
  /** host name (cookies ignore the port, RFC 6265 §8.5) -> cookie name -> { value, secure } */
  readonly jar = new Map<string, Map<string, { value: string; secure: boolean; raw: string }>>();
  readonly hops: Hop[] = [];

  cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.hostname) ?? new Map();
    return [...cookies].filter(([, c]) => !c.secure || url.protocol === 'https:' || url.hostname === 'localhost').map(([n, c]) => `${n}=${c.value}`).join('; ');
  }

  cookies(hostname: string): Map<string, { value: string; secure: boolean; raw: string }> {
    return this.jar.get(hostname) ?? new Map();
  }

  private store(url: URL, res: Response): void {
    for (const raw of res.headers.getSetCookie()) {
      const [pair, ...attrs] = raw.split(';').map((s) => s.trim());
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      const secure = attrs.some((a) => a.toLowerCase() === 'secure');
      // Browsers refuse a __Host- cookie without Secure and Path=/ (RFC 6265bis "Cookie Name Prefixes").
      if (name.startsWith('__Host-') && (!secure || !attrs.some((a) => a.toLowerCase() === 'path=/') || url.protocol !== 'https:')) continue;
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      const jar = this.jar.get(url.hostname) ?? new Map();
      if (expired) jar.delete(name);
      else jar.set(name, { value, secure, raw });
      this.jar.set(url.hostname, jar);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; origin?: string } = {}): Promise<Hop> {
    const u = new URL(url);
    const headers: Record<string, string> = { accept: 'text/html,application/json' };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    if (init.origin) headers.origin = init.origin;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(u, res);
    const hop = { url, status: res.status, headers: res.headers, body: await res.text() };
    this.hops.push(hop);
    return hop;
  }

  /**
   * Follows redirects from `url` until a page is shown or the client's redirect URI (`stopAt`, an
   * origin + path prefix) is reached; returns the last hop and, when reached, the callback's query.
   */
  async follow(url: string, stopAt: string, init: { form?: Record<string, string>; origin?: string } = {}): Promise<{ page?: Hop; callback?: URLSearchParams }> {
    let hop = await this.request(url, init);
    for (let i = 0; i < 10; i++) {
      const location = hop.headers.get('location');
      if (hop.status < 300 || hop.status >= 400 || !location) return { page: hop };
      const next = new URL(location, hop.url).href;
      if (next.startsWith(stopAt)) return { callback: new URL(next).searchParams };
      hop = await this.request(next);
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/** The hidden fields of the consent form on a page. */
export function consentForm(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replace(/&#(\d+);/g, (_x, n: string) => String.fromCharCode(Number(n)));
  return fields;
}

/** An in-memory MCP client OAuth provider (what an MCP client stores between runs). */
export class MemoryOAuthProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  readonly redirectUrl: string;
  readonly clientMetadataUrl: string | undefined;
  readonly clientMetadata: OAuthClientMetadata;

  constructor(o: { redirectUrl: string; clientMetadataUrl?: string; name?: string }) {
    this.redirectUrl = o.redirectUrl;
    this.clientMetadataUrl = o.clientMetadataUrl;
    this.clientMetadata = { client_name: o.name ?? 'e2e MCP client', redirect_uris: [o.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }

  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}
