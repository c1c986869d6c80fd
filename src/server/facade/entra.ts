/**
 * The facade's side of Entra ID: the v2 authorize URL it sends browsers to (as this server's own
 * confidential app, with its own PKCE), and the token requests that redeem Entra's code and
 * refresh tokens with the same client credential the OBO exchange uses (a client secret locally,
 * the managed identity's assertion in Azure).
 *
 * These are plain form posts rather than msal-node calls: msal keeps refresh tokens inside its own
 * cache and never returns them, but the facade must hand them back to the client (sealed), since
 * the server keeps no state between requests.
 */
import { InvalidGrantError, ServerError, TemporarilyUnavailableError, type OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { ClientCredential } from '../obo/client.ts';
import { toOboError } from '../obo/errors.ts';

export interface EntraEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
}

export interface EntraTokens {
  accessToken: string;
  refreshToken: string | undefined;
  expiresIn: number;
}

export interface EntraSignInOptions {
  clientId: string;
  /** The tenant's v2 endpoints (from OIDC discovery). */
  endpoints: () => Promise<EntraEndpoints>;
  credential: ClientCredential;
  /** `{public URL}/oauth/callback`, registered as a web redirect URI of the app. */
  callbackUrl: string;
  fetch: typeof fetch;
  timeoutMs?: number;
}

export interface EntraSignIn {
  /** Origin of Entra's authorize endpoint (for the consent page's form-action). */
  origin(): Promise<string>;
  authorizeUrl(p: { state: string; codeChallenge: string }): Promise<string>;
  redeemCode(code: string, codeVerifier: string): Promise<EntraTokens>;
  refresh(refreshToken: string): Promise<EntraTokens>;
}

/**
 * The scopes the facade asks Entra for: this server's own scope, and a refresh token. The app
 * asks for a token for itself, which Entra accepts only with the GUID form of the app id
 * (AADSTS90009, "requesting a token for itself"; seen on refresh in Softeria/ms-365-mcp-server#508),
 * so not api://{appId}/... even though clients are told that form.
 */
export function entraScopes(clientId: string): string {
  return `${clientId}/access_as_user openid profile offline_access`;
}

export function createEntraSignIn(o: EntraSignInOptions): EntraSignIn {
  const timeoutMs = o.timeoutMs ?? 10_000;

  async function credentialFields(): Promise<Record<string, string>> {
    if ('clientSecret' in o.credential) return { client_secret: o.credential.clientSecret };
    return { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await o.credential.clientAssertion() };
  }

  async function tokenRequest(fields: Record<string, string>): Promise<EntraTokens> {
    const { token_endpoint } = await o.endpoints();
    const body = new URLSearchParams({ client_id: o.clientId, scope: entraScopes(o.clientId), ...fields, ...(await credentialFields()) });
    let res: Response;
    try {
      res = await o.fetch(token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new TemporarilyUnavailableError('Entra ID could not be reached; try again shortly.');
    }
    const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (res.status === 200 && typeof json?.access_token === 'string') {
      return {
        accessToken: json.access_token,
        refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : undefined,
        expiresIn: typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 3600),
      };
    }
    throw entraError(res.status, json);
  }

  return {
    origin: async () => new URL((await o.endpoints()).authorization_endpoint).origin,
    async authorizeUrl({ state, codeChallenge }) {
      const url = new URL((await o.endpoints()).authorization_endpoint);
      url.search = new URLSearchParams({
        client_id: o.clientId,
        response_type: 'code',
        redirect_uri: o.callbackUrl,
        response_mode: 'query',
        scope: entraScopes(o.clientId),
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      }).toString();
      return url.href;
    },
    redeemCode: (code, codeVerifier) => tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: o.callbackUrl, code_verifier: codeVerifier }),
    refresh: (refreshToken) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  };
}

/** An Entra token error as the OAuth error the client sees: the AADSTS code and what to do about it. */
export function entraError(status: number, body: Record<string, unknown> | undefined): OAuthError {
  const description = typeof body?.error_description === 'string' ? body.error_description.split(/\r?\n/)[0]! : '';
  const codes = Array.isArray(body?.error_codes) ? body.error_codes : [];
  const mapped = toOboError({ errorCode: typeof body?.error === 'string' ? body.error : undefined, errorMessage: description, errorNo: codes[0] as number | undefined, status }, 'this MCP server');
  const code = mapped.aadsts ? `AADSTS${mapped.aadsts}` : `HTTP ${status}`;
  switch (mapped.failure) {
    case 'server_credential':
      return new ServerError(mapped.message);
    case 'consent_required':
      return new InvalidGrantError('Admin consent for this MCP server is missing (AADSTS65001). An administrator must grant it: run `mcp-obo consent`.');
    case 'unavailable':
    case 'timeout':
      return new TemporarilyUnavailableError(mapped.message);
    case 'unknown':
      // Expired, redeemed or revoked codes and refresh tokens: the client starts a new sign-in.
      return new InvalidGrantError(`Entra ID refused the grant (${code}${description ? `: ${description.replace(/^AADSTS\d+:\s*/, '')}` : ''}). Sign in again.`);
    default:
      return new InvalidGrantError(mapped.message);
  }
}
