/**
 * The authorization facade's flow, as the MCP SDK's OAuthServerProvider plus the two steps the SDK
 * has no handler for (our consent form and Entra's callback):
 *
 *   client ─authorize─▶ consent page ─allow─▶ Entra (as this server's app, our PKCE, sealed `state`)
 *          ◀─code (sealed: Entra's code + our verifier + the client's PKCE)─ /oauth/callback ◀─┘
 *   client ─token─▶ PKCE checked here, Entra's code redeemed with the server's credential ─▶
 *          ◀─ Entra's access token (aud = this server) + a refresh token sealed to this client
 *
 * Every intermediate value is sealed (seal.ts), so nothing is stored and any replica continues.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { AccessDeniedError, InvalidGrantError, InvalidRequestError, InvalidScopeError, InvalidTargetError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthorizationParams, OAuthServerProvider, OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { redirectUriMatches } from '@modelcontextprotocol/sdk/server/auth/handlers/authorize.js';
import type { Logger } from '../logger.ts';
import type { FacadeCookies } from './cookies.ts';
import type { EntraSignIn, EntraTokens } from './entra.ts';
import { formActionSource, renderConsent } from './page.ts';
import { isLoopback } from './redirects.ts';
import { UnsealError, type SealPurpose, type Sealer } from './seal.ts';

export interface FacadeSettings {
  /** This authorization server's issuer identifier: the server's public URL. */
  issuer: string;
  /** The MCP resource (public URL + /mcp). */
  resource: string;
  /** The one scope this server has, fully qualified (api://{appId}/access_as_user). */
  scope: string;
  serverName: string;
}

export interface FacadeDeps {
  sealer: Sealer;
  entra: EntraSignIn;
  clients: OAuthRegisteredClientsStore;
  verifier: OAuthTokenVerifier;
  cookies: FacadeCookies;
  logger: Logger;
  now: () => number;
}

/** What the client asked for, carried through consent, Entra and back. */
export interface Pending extends Record<string, unknown> {
  c: string; // client id
  ru: string; // the client's redirect URI
  s?: string; // the client's state
  cc: string; // the client's PKCE challenge
}

const TEN_MINUTES = 600;
const CODE_TTL = 300;
const REFRESH_TTL = 90 * 24 * 3600;
const APPROVAL_TTL = 30 * 24 * 3600;
const MAX_APPROVALS = 20;
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

const b64url = (n: number): string => randomBytes(n).toString('base64url');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url');
const clientKey = (clientId: string): string => sha256(clientId).slice(0, 22);

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Facade implements OAuthServerProvider {
  readonly settings: FacadeSettings;
  readonly deps: FacadeDeps;

  constructor(settings: FacadeSettings, deps: FacadeDeps) {
    this.settings = settings;
    this.deps = deps;
  }

  get clientsStore(): OAuthRegisteredClientsStore {
    return this.deps.clients;
  }

  /** After the SDK checked the client, its redirect URI and PKCE: our consent, unless remembered. */
  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    if (params.resource && params.resource.href !== this.settings.resource) {
      throw new InvalidTargetError(`This server is the resource ${this.settings.resource}; a token for another resource cannot be issued here.`);
    }
    const unknown = (params.scopes ?? []).filter((s) => s && s !== this.settings.scope && !OIDC_SCOPES.has(s));
    if (unknown.length) throw new InvalidScopeError(`Unknown scope ${unknown[0]}; this server offers ${this.settings.scope}.`);
    const pending: Pending = { c: client.client_id, ru: params.redirectUri, cc: params.codeChallenge, ...(params.state !== undefined ? { s: params.state } : {}) };
    if ((await this.approvals(res.req)).has(clientKey(client.client_id))) return this.toEntra(res, pending, 302);

    const csrf = b64url(24);
    const request = await this.deps.sealer.seal('consent', { ...pending, x: sha256(csrf) }, TEN_MINUTES);
    this.deps.cookies.set(res, 'csrf', csrf, TEN_MINUTES);
    const entraOrigin = await this.deps.entra.origin();
    renderConsent(res, {
      serverName: this.settings.serverName,
      resource: this.settings.resource,
      clientName: client.client_name,
      clientIdUrl: client.client_id.startsWith('https://') ? client.client_id : undefined,
      redirectUri: params.redirectUri,
      loopback: isLoopback(params.redirectUri),
      request,
      csrf,
      formAction: ["'self'", entraOrigin, formActionSource(params.redirectUri)],
    });
  }

  /** POST /oauth/consent: the user's decision, bound to this browser by the CSRF cookie. */
  async decide(req: Request, res: Response): Promise<void> {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const csrf = typeof form.csrf === 'string' ? form.csrf : '';
    const cookie = this.deps.cookies.get(req, 'csrf');
    if (!cookie || !csrf || !sameSecret(cookie, csrf)) throw new InvalidRequestError('The consent form did not come from this browser session; start again from your MCP client.');
    const pending = await this.open<Pending & { x: string }>('consent', String(form.request ?? ''), () => new InvalidRequestError('This consent request has expired or is not valid; start again from your MCP client.'));
    if (!sameSecret(pending.x, sha256(csrf))) throw new InvalidRequestError('The consent form did not come from this browser session; start again from your MCP client.');
    this.deps.cookies.clear(res, 'csrf');
    const { x: _x, ...rest } = pending;
    const client = await this.deps.clients.getClient(rest.c);
    if (!client?.redirect_uris.some((registered) => redirectUriMatches(rest.ru, registered))) {
      throw new InvalidRequestError('This client is no longer valid; start again from your MCP client.');
    }
    if (form.decision !== 'allow') {
      this.deps.logger.info('oauth.consent', { decision: 'deny', client: clientKey(rest.c) });
      return this.toClient(res, rest, { error: new AccessDeniedError('You denied access to this MCP server.') }, 303);
    }
    this.deps.logger.info('oauth.consent', { decision: 'allow', client: clientKey(rest.c) });
    await this.remember(req, res, rest.c);
    return this.toEntra(res, rest, 303);
  }

  /** Sends the browser to Entra as this server's app, with our own PKCE and the sealed transaction. */
  private async toEntra(res: Response, pending: Pending, status: 302 | 303): Promise<void> {
    const verifier = b64url(32);
    const nonce = b64url(18);
    const id = b64url(6);
    const state = await this.deps.sealer.seal('txn', { ...pending, v: verifier, b: sha256(nonce), i: id }, TEN_MINUTES);
    this.deps.cookies.set(res, 'tx', nonce, TEN_MINUTES, id);
    res.set('cache-control', 'no-store').redirect(status, await this.deps.entra.authorizeUrl({ state, codeChallenge: sha256(verifier) }));
  }

  /** GET /oauth/callback: Entra's answer, checked against the transaction and this browser. */
  async callback(req: Request, res: Response): Promise<{ error: string } | undefined> {
    const q = req.query as Record<string, unknown>;
    const txn = await this.open<Pending & { v: string; b: string; i: string }>('txn', typeof q.state === 'string' ? q.state : '', () => undefined);
    if (!txn) return { error: 'This sign-in has expired or is not valid. Start again from your MCP client.' };
    const nonce = this.deps.cookies.get(req, 'tx', txn.i);
    if (!nonce || !sameSecret(sha256(nonce), txn.b)) return { error: 'This sign-in was not started in this browser. Start again from your MCP client.' };
    this.deps.cookies.clear(res, 'tx', txn.i);
    const { v, b: _b, i: _i, ...pending } = txn;
    if (typeof q.error === 'string') {
      const description = typeof q.error_description === 'string' ? q.error_description.split(/\r?\n/)[0]!.slice(0, 300) : '';
      this.deps.logger.warn('oauth.entra_error', { error: q.error.slice(0, 50), aadsts: /AADSTS(\d+)/.exec(description)?.[1] });
      const error = q.error === 'access_denied' ? new AccessDeniedError(description || 'Sign-in was cancelled.') : new InvalidRequestError(`Entra ID refused the sign-in (${description || q.error.slice(0, 50)}).`);
      this.toClient(res, pending, { error }, 302);
      return undefined;
    }
    if (typeof q.code !== 'string' || !q.code) return { error: 'Entra ID returned no authorization code. Start again from your MCP client.' };
    const code = await this.deps.sealer.seal('code', { ...pending, e: q.code, v }, CODE_TTL);
    this.toClient(res, pending, { code }, 302);
    return undefined;
  }

  private toClient(res: Response, p: Pending, result: { code: string } | { error: AccessDeniedError | InvalidRequestError }, status: 302 | 303): void {
    const url = new URL(p.ru);
    if ('code' in result) url.searchParams.set('code', result.code);
    else {
      url.searchParams.set('error', result.error.errorCode);
      url.searchParams.set('error_description', result.error.message);
    }
    if (p.s !== undefined) url.searchParams.set('state', p.s);
    // RFC 9207: the client can tell which authorization server answered.
    url.searchParams.set('iss', this.settings.issuer);
    res.set('cache-control', 'no-store').redirect(status, url.href);
  }

  private async code(client: OAuthClientInformationFull, code: string): Promise<Pending & { e: string; v: string }> {
    const c = await this.open<Pending & { e: string; v: string }>('code', code, () => new InvalidGrantError('The authorization code is not valid or has expired; sign in again.'));
    if (c.c !== client.client_id) throw new InvalidGrantError('The authorization code was issued to another client.');
    return c;
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    return (await this.code(client, code)).cc;
  }

  async exchangeAuthorizationCode(client: OAuthClientInformationFull, code: string, _verifier?: string, redirectUri?: string, resource?: URL): Promise<OAuthTokens> {
    const c = await this.code(client, code);
    if (redirectUri !== undefined && redirectUri !== c.ru) throw new InvalidGrantError('redirect_uri does not match the one of the authorization request.');
    this.checkResource(resource);
    return this.tokens(client.client_id, await this.deps.entra.redeemCode(c.e, c.v));
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string, scopes?: string[], resource?: URL): Promise<OAuthTokens> {
    const r = await this.open<{ e: string; c: string }>('refresh', refreshToken, () => new InvalidGrantError('The refresh token is not valid or has expired; sign in again.'));
    if (r.c !== client.client_id) throw new InvalidGrantError('The refresh token was issued to another client.');
    const unknown = (scopes ?? []).filter((s) => s && s !== this.settings.scope && !OIDC_SCOPES.has(s));
    if (unknown.length) throw new InvalidScopeError(`Unknown scope ${unknown[0]}; this server offers ${this.settings.scope}.`);
    this.checkResource(resource);
    return this.tokens(client.client_id, await this.deps.entra.refresh(r.e));
  }

  verifyAccessToken(token: string) {
    return this.deps.verifier.verifyAccessToken(token);
  }

  private checkResource(resource: URL | undefined): void {
    if (resource && resource.href !== this.settings.resource) throw new InvalidTargetError(`This server is the resource ${this.settings.resource}.`);
  }

  private async tokens(clientId: string, t: EntraTokens): Promise<OAuthTokens> {
    return {
      access_token: t.accessToken,
      token_type: 'Bearer',
      expires_in: t.expiresIn,
      scope: this.settings.scope,
      ...(t.refreshToken ? { refresh_token: await this.deps.sealer.seal('refresh', { e: t.refreshToken, c: clientId }, REFRESH_TTL) } : {}),
    };
  }

  /**
   * A sealed value, or what `refused` makes of a tampered, expired or foreign one: an OAuth error
   * to throw, or undefined for the caller to answer itself.
   */
  private async open<T extends Record<string, unknown>>(purpose: SealPurpose, value: string, refused: () => Error): Promise<T>;
  private async open<T extends Record<string, unknown>>(purpose: SealPurpose, value: string, refused: () => undefined): Promise<T | undefined>;
  private async open<T extends Record<string, unknown>>(purpose: SealPurpose, value: string, refused: () => Error | undefined): Promise<T | undefined> {
    try {
      return await this.deps.sealer.unseal<T>(purpose, value);
    } catch (err) {
      if (!(err instanceof UnsealError)) throw err;
      const answer = refused();
      if (answer) throw answer;
      return undefined;
    }
  }

  /** Clients this browser approved in the last 30 days (a sealed list in a cookie). */
  private async approvals(req: Request): Promise<Map<string, number>> {
    const raw = this.deps.cookies.get(req, 'approval');
    if (!raw) return new Map();
    try {
      const { a } = await this.deps.sealer.unseal<{ a: [string, number][] }>('approval', raw);
      const now = Math.floor(this.deps.now() / 1000);
      return new Map(a.filter(([, until]) => until > now));
    } catch {
      return new Map();
    }
  }

  private async remember(req: Request, res: Response, clientId: string): Promise<void> {
    const approved = await this.approvals(req);
    approved.delete(clientKey(clientId));
    approved.set(clientKey(clientId), Math.floor(this.deps.now() / 1000) + APPROVAL_TTL);
    const entries = [...approved].slice(-MAX_APPROVALS);
    this.deps.cookies.set(res, 'approval', await this.deps.sealer.seal('approval', { a: entries }, APPROVAL_TTL), APPROVAL_TTL);
  }
}
