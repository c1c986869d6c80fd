// The v2 authorization code flow for web apps (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow):
// GET /{tid}/oauth2/v2.0/authorize signs in a configurable test user at once (an existing SSO session) and
// redirects with a one-time code; the token endpoint's authorization_code grant redeems it.
import { createHash, randomBytes } from 'node:crypto';
import { type Ctx, send } from '../../core/http.ts';
import type { Router } from '../../core/router.ts';
import type { Application, User } from '../../types.ts';
import { aad, AadError, missingParam } from './errors.ts';
import type { TokenEnv } from './issue.ts';
import { checkResourceParam, parseScope } from './scopes.ts';
import { checkAssignment, consentError, grantedScopes, missingOidcConsent } from './userGrant.ts';

export interface AuthCodeEntry {
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge: string | null;
  method: 'S256' | 'plain';
  oid: string;
  expiresAt: number;
  redeemed: boolean;
}

export class AuthCodes {
  readonly byCode = new Map<string, AuthCodeEntry>();
  /** The user the authorize endpoint signs in (an oid); default: the directory's default user. */
  signInAs: string | undefined;
  /** Codes live about 10 minutes (v2-oauth2-auth-code-flow, "Redeem a code for an access token"). */
  lifetimeMs = 10 * 60_000;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Redirect URI matching as Entra does it: exact and case-sensitive, except that the port of a
 * localhost / 127.0.0.1 redirect URI is ignored ("Localhost exceptions",
 * learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions).
 */
export function redirectUriRegistered(requested: string, registered: string[]): boolean {
  if (registered.includes(requested)) return true;
  let r: URL;
  try {
    r = new URL(requested);
  } catch {
    return false;
  }
  if (r.protocol !== 'http:' || !LOOPBACK.has(r.hostname)) return false;
  return registered.some((u) => {
    try {
      const x = new URL(u);
      return x.protocol === r.protocol && x.hostname === r.hostname && x.pathname === r.pathname && x.search === r.search;
    } catch {
      return false;
    }
  });
}

export function webRedirectUris(env: TokenEnv, app: Application): string[] {
  return app.graphManaged && env.dir.link ? env.dir.link.webRedirectUris(app) : (app.webRedirectUris ?? []);
}

/** Entra shows errors it cannot send to a verified redirect URI on its own page. */
function errorPage(ctx: Ctx, e: AadError): void {
  const text = `AADSTS${e.spec.code}: ${e.spec.message}`.replace(/[<>&]/g, '');
  send(ctx, 400, `<!doctype html><html><head><title>Sign in to your account</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1><p id="error">${text}</p></body></html>`, { 'content-type': 'text/html; charset=utf-8' });
}

function redirectWith(ctx: Ctx, redirectUri: string, params: Record<string, string>): void {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  send(ctx, 302, '', { location: url.href, 'cache-control': 'no-store' });
}

function signedInUser(env: TokenEnv, codes: AuthCodes): User {
  const user = env.dir.getUser(codes.signInAs ?? env.dir.defaultUser.oid);
  if (!user) throw aad(400, 'invalid_request', 50034, `The user account {EUII Hidden} does not exist in the ${env.dir.tenantId} directory.`);
  return user;
}

function authorize(env: TokenEnv, codes: AuthCodes, ctx: Ctx): void {
  const q = ctx.query;
  let app: Application | undefined;
  let redirectUri: string;
  // Phase 1: client and redirect URI. Errors here stay on Entra's page.
  try {
    if (!env.dir.isTenant(ctx.params[0]!)) throw aad(400, 'invalid_tenant', 90002, `Tenant '${ctx.params[0]}' not found.`);
    const clientId = q.get('client_id');
    if (!clientId) throw missingParam('client_id');
    app = env.dir.findApp(clientId);
    if (!app) throw aad(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${env.dir.tenantDomain}'.`);
    redirectUri = q.get('redirect_uri') ?? '';
    if (!redirectUri || !redirectUriRegistered(redirectUri, webRedirectUris(env, app))) {
      throw aad(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`);
    }
  } catch (e) {
    if (e instanceof AadError) return errorPage(ctx, e);
    throw e;
  }
  const state = q.get('state');
  const fail = (e: AadError): void => redirectWith(ctx, redirectUri, { error: e.spec.error, error_description: `AADSTS${e.spec.code}: ${e.spec.message}`, ...(state !== null ? { state } : {}) });
  // Phase 2: the request itself. Errors go back to the (now trusted) redirect URI.
  try {
    if (q.get('response_type') !== 'code') throw aad(400, 'unsupported_response_type', 70005, "The provided value for the input parameter 'response_type' is not allowed for this request. Expected value is 'code'.");
    const mode = q.get('response_mode') ?? 'query';
    if (mode !== 'query') throw aad(400, 'invalid_request', 900144, `response_mode '${mode}' is not supported by this emulator.`);
    const scope = q.get('scope');
    if (!scope) throw missingParam('scope');
    const req = parseScope(env.dir, scope, 'obo');
    checkResourceParam(req, q.get('resource'));
    const challenge = q.get('code_challenge');
    const method = q.get('code_challenge_method') ?? 'plain';
    if (challenge !== null && method !== 'S256' && method !== 'plain') throw aad(400, 'invalid_request', 501491, `Invalid code_challenge_method '${method}'.`);
    const user = signedInUser(env, codes);
    const client = { clientId: app!.clientId, name: app!.displayName, acr: '1' as const };
    // What the user sees at Entra rather than at the redirect URI: not assigned, or a consent prompt.
    try {
      checkAssignment(env, req.resource.app ?? app!, user);
      grantedScopes(env, client, user, req);
      if (missingOidcConsent(env, app!, scope, user.oid).length) throw consentError(client);
    } catch (e) {
      if (e instanceof AadError) return errorPage(ctx, e);
      throw e;
    }
    const code = `1.A${randomBytes(180).toString('base64url')}`;
    codes.byCode.set(code, { clientId: app!.clientId, redirectUri, scope, challenge, method: method as 'S256' | 'plain', oid: user.oid, expiresAt: Date.now() + codes.lifetimeMs, redeemed: false });
    redirectWith(ctx, redirectUri, { code, ...(state !== null ? { state } : {}), session_state: randomBytes(16).toString('hex') });
  } catch (e) {
    if (e instanceof AadError) return fail(e);
    throw e;
  }
}

/** The authorization_code grant: one-time, unexpired, same client, same redirect URI, PKCE. Returns the code's user and scope. */
export function redeemCode(codes: AuthCodes, app: Application, form: URLSearchParams): { user: string; scope: string } {
  const code = form.get('code');
  if (!code) throw missingParam('code');
  const e = codes.byCode.get(code);
  if (!e) throw aad(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid. The code is not valid.');
  // One-time use: a second redemption is refused (reference-error-codes: 54005 OAuth2 Authorization code was already redeemed).
  if (e.redeemed) throw aad(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
  if (e.expiresAt < Date.now()) throw aad(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
  if (e.clientId !== app.clientId) throw aad(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed. The code was issued to another client.');
  if (form.get('redirect_uri') !== e.redirectUri) {
    throw aad(400, 'invalid_grant', 50011, `The redirect URI '${form.get('redirect_uri') ?? ''}' specified in the request does not match the redirect URI used to obtain the authorization code.`);
  }
  if (e.challenge !== null) {
    const verifier = form.get('code_verifier') ?? '';
    const computed = e.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    if (!verifier || computed !== e.challenge) throw aad(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
  }
  e.redeemed = true;
  return { user: e.oid, scope: form.get('scope') ?? e.scope };
}

export function registerAuthorize(router: Router, env: TokenEnv, codes: AuthCodes): void {
  router.on('GET', /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/i, (ctx) => authorize(env, codes, ctx));
}

