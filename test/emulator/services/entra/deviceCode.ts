// The device authorization grant as Entra serves it to public clients (Azure CLI, VS Code, ...):
// POST /{tid}/oauth2/v2.0/devicecode, the token endpoint's device_code grant and refresh_token grant.
import { randomBytes } from 'node:crypto';
import { type Ctx, formBody, guid, send, sendJson } from '../../core/http.ts';
import type { Router } from '../../core/router.ts';
import { aad, entraHeaders, missingParam, sendAadError, AadError, tenantNotFound } from './errors.ts';
import type { TokenEnv } from './issue.ts';
import { checkResourceParam, parseScope } from './scopes.ts';
import { PUBLIC_CLIENTS, type RefreshTokens, type SigningClient, userTokens } from './userGrant.ts';

export { PUBLIC_CLIENTS };

export interface DeviceCodeEntry {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  /** RFC 8707 resource sent to the devicecode endpoint (checked again when redeemed). */
  resource: string | null;
  expiresAt: number;
  /** Object id of the user who approved it. */
  approvedBy?: string;
  redeemed: boolean;
}

export class DeviceCodes {
  readonly byDevice = new Map<string, DeviceCodeEntry>();
  readonly byUser = new Map<string, DeviceCodeEntry>();
  /** Refresh tokens of every user grant (device code, authorization code, refresh). */
  readonly refreshTokens: RefreshTokens = new Map();
  /** undefined: approve as the CLI user on the first poll; false: wait for approve(); an oid: approve as that user. */
  autoApprove: string | false | undefined;
  intervalSec = 1;
  expiresInSec = 900;

  approve(userCode: string, oid: string): DeviceCodeEntry {
    const e = this.byUser.get(userCode.toUpperCase());
    if (!e) throw new RangeError(`device code ${userCode} not found`);
    if (e.expiresAt < Date.now()) throw new RangeError(`device code ${userCode} has expired`);
    e.approvedBy = oid;
    return e;
  }
}

const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const userCode = (): string => [...randomBytes(9)].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]).join('');

function clientName(env: TokenEnv, clientId: string): string | undefined {
  const id = clientId.toLowerCase();
  if (PUBLIC_CLIENTS[id]) return PUBLIC_CLIENTS[id];
  return env.dir.link?.isPublicClient(id) ? env.dir.findApp(id)?.displayName : undefined;
}

/** The client must be a public client; a confidential app is told to authenticate. */
export function publicClient(env: TokenEnv, form: URLSearchParams): SigningClient {
  const clientId = form.get('client_id');
  if (!clientId) throw missingParam('client_id');
  const name = clientName(env, clientId);
  if (name) return { clientId: clientId.toLowerCase(), name, acr: '0' };
  if (env.dir.findApp(clientId)) throw aad(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  throw aad(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${env.dir.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
}

export async function deviceCodeGrant(env: TokenEnv, codes: DeviceCodes, form: URLSearchParams): Promise<Record<string, unknown>> {
  const client = publicClient(env, form);
  const code = form.get('device_code');
  if (!code) throw missingParam('device_code');
  const e = codes.byDevice.get(code);
  if (!e || e.clientId !== client.clientId) throw aad(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
  if (e.expiresAt < Date.now()) throw aad(400, 'expired_token', 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
  if (e.redeemed) throw aad(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed. The device code has already been redeemed.');
  if (e.approvedBy === undefined && codes.autoApprove !== false) e.approvedBy = codes.autoApprove ?? env.dir.defaultUser.oid;
  if (e.approvedBy === undefined) throw aad(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
  const user = env.dir.getUser(e.approvedBy);
  if (!user) throw aad(400, 'invalid_grant', 50034, `The user account {EUII Hidden} does not exist in the ${env.dir.tenantId} directory. To sign into this application, the account must be added to the directory.`);
  const body = await userTokens(env, codes.refreshTokens, client, user, e.scope, form.get('client_info') === '1', form.get('resource') ?? e.resource);
  e.redeemed = true;
  return body;
}

/** The refresh_token grant; `client` is the public client, or the confidential app authenticated by the token endpoint. */
export async function refreshTokenGrant(env: TokenEnv, codes: DeviceCodes, form: URLSearchParams, client: SigningClient): Promise<Record<string, unknown>> {
  const rt = form.get('refresh_token');
  if (!rt) throw missingParam('refresh_token');
  const held = codes.refreshTokens.get(rt);
  if (!held) throw aad(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid. The refresh token is not valid.');
  if (held.clientId !== client.clientId) throw aad(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed. The refresh token was issued to a different client.');
  const user = env.dir.getUser(held.oid);
  if (!user) throw aad(400, 'invalid_grant', 50034, `The user account {EUII Hidden} does not exist in the ${env.dir.tenantId} directory.`);
  const scope = form.get('scope');
  if (!scope) throw missingParam('scope');
  return userTokens(env, codes.refreshTokens, client, user, scope, form.get('client_info') === '1', form.get('resource'));
}

async function deviceCodeEndpoint(env: TokenEnv, codes: DeviceCodes, ctx: Ctx): Promise<void> {
  const trace = guid();
  try {
    if (!env.dir.isTenant(ctx.params[0]!)) throw tenantNotFound(ctx.params[0]!, 'invalid_request');
    const form = formBody(ctx) ?? new URLSearchParams();
    const client = publicClient(env, form);
    const scope = form.get('scope');
    if (!scope || scope.trim() === '') throw missingParam('scope');
    const resource = form.get('resource');
    checkResourceParam(parseScope(env.dir, scope, 'obo'), resource);
    const e: DeviceCodeEntry = { deviceCode: `DAQABIQEAAAD${randomBytes(120).toString('base64url')}`, userCode: userCode(), clientId: client.clientId, scope, resource, expiresAt: Date.now() + codes.expiresInSec * 1000, redeemed: false };
    codes.byDevice.set(e.deviceCode, e);
    codes.byUser.set(e.userCode, e);
    const uri = `${env.dir.url}/devicelogin`;
    sendJson(ctx, 200, {
      user_code: e.userCode, device_code: e.deviceCode, verification_uri: uri, expires_in: codes.expiresInSec, interval: codes.intervalSec,
      message: `To sign in, use a web browser to open the page ${uri} and enter the code ${e.userCode} to authenticate.`,
    }, entraHeaders(ctx, trace));
  } catch (err) {
    if (err instanceof AadError) sendAadError(ctx, env.dir.url, err);
    else throw err;
  }
}

/** The device login page: enter the code, sign in as the CLI user (for manual runs of the emulator). */
function deviceLoginPage(env: TokenEnv, codes: DeviceCodes, ctx: Ctx): void {
  const html = (body: string): void => send(ctx, 200, `<!doctype html><html><head><title>Enter code</title></head><body>${body}</body></html>`, { 'content-type': 'text/html; charset=utf-8' });
  if (ctx.method === 'GET') return html('<h1>Enter code</h1><form method="post"><input name="otc" autofocus><button>Next</button></form>');
  const code = (formBody(ctx)?.get('otc') ?? '').trim().toUpperCase();
  try {
    const e = codes.approve(code, env.dir.defaultUser.oid);
    html(`<p>You have signed in to the ${PUBLIC_CLIENTS[e.clientId] ?? e.clientId} application on your device. You may now close this window.</p>`);
  } catch (err) {
    html(`<p>${(err as Error).message.replace(/[<>&]/g, '')}</p>`);
  }
}

export function registerDeviceCode(router: Router, env: TokenEnv, codes: DeviceCodes): void {
  router.post(/^\/([^/]+)\/oauth2\/v2\.0\/devicecode$/i, (ctx) => deviceCodeEndpoint(env, codes, ctx));
  router.on('GET', /^\/devicelogin$/i, (ctx) => deviceLoginPage(env, codes, ctx));
  router.on('POST', /^\/devicelogin$/i, (ctx) => deviceLoginPage(env, codes, ctx));
}
