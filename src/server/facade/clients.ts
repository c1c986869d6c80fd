/**
 * Registered clients without a store: an RFC 7591 registration returns a client id that is the
 * sealed registration itself (redirect URIs and name), so every replica can read it back; an
 * https client id is a Client ID Metadata Document, fetched and checked on use. Only public
 * clients (token_endpoint_auth_method "none", PKCE) are registered: the facade holds no client
 * secrets to check.
 */
import { InvalidClientMetadataError, OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Logger } from '../logger.ts';
import { ClientMetadataError, type ClientMetadataDocument } from './cimd.ts';
import { redirectAllowed } from './redirects.ts';
import { UnsealError, type Sealer } from './seal.ts';

/** RFC 7591 §3.2.2 error for a refused redirect URI (the SDK has no class for it). */
export class InvalidRedirectUriError extends OAuthError {
  static override errorCode = 'invalid_redirect_uri';
}

export const GRANT_TYPES = ['authorization_code', 'refresh_token'];
const MAX_REDIRECT_URIS = 10;

export interface ClientStoreOptions {
  sealer: Sealer;
  allowList: readonly string[];
  metadata: { get(clientId: string): Promise<ClientMetadataDocument> };
  logger: Logger;
}

interface SealedClient extends Record<string, unknown> {
  r: string[];
  n?: string;
  u?: string;
}

function information(clientId: string, redirectUris: string[], name?: string, uri?: string): OAuthClientInformationFull {
  return {
    client_id: clientId,
    redirect_uris: redirectUris,
    ...(name ? { client_name: name } : {}),
    ...(uri ? { client_uri: uri } : {}),
    token_endpoint_auth_method: 'none',
    grant_types: GRANT_TYPES,
    response_types: ['code'],
  };
}

export function createClientStore(o: ClientStoreOptions): OAuthRegisteredClientsStore & { registerClient: NonNullable<OAuthRegisteredClientsStore['registerClient']> } {
  return {
    async getClient(clientId) {
      if (clientId.startsWith('https://')) {
        try {
          const doc = await o.metadata.get(clientId);
          const origin = new URL(clientId).origin;
          const refused = doc.redirect_uris.filter((u) => !redirectAllowed(u, o.allowList, origin));
          if (refused.length) throw new ClientMetadataError(`redirect URI ${refused[0]} is neither loopback, on the client's own origin, nor allowed (MCP_OBO_REDIRECT_URIS)`);
          return information(clientId, doc.redirect_uris, doc.client_name, doc.client_uri);
        } catch (err) {
          o.logger.warn('oauth.client_metadata_refused', { clientId: clientId.slice(0, 200), reason: err instanceof ClientMetadataError ? err.message : 'fetch failed' });
          return undefined;
        }
      }
      try {
        const c = await o.sealer.unseal<SealedClient>('client', clientId);
        return information(clientId, c.r, c.n, c.u);
      } catch (err) {
        if (err instanceof UnsealError) return undefined;
        throw err;
      }
    },

    async registerClient(client) {
      const uris = client.redirect_uris.map(String);
      if (uris.length === 0) throw new InvalidRedirectUriError('at least one redirect URI is required');
      if (uris.length > MAX_REDIRECT_URIS) throw new InvalidClientMetadataError(`at most ${MAX_REDIRECT_URIS} redirect URIs may be registered`);
      const refused = uris.find((u) => !redirectAllowed(u, o.allowList));
      if (refused) {
        throw new InvalidRedirectUriError(`redirect URI ${refused.slice(0, 200)} is not allowed: use a loopback URI (http://127.0.0.1:{port}/...) or ask the operator to add it to MCP_OBO_REDIRECT_URIS`);
      }
      const grants = client.grant_types ?? ['authorization_code'];
      if (!grants.includes('authorization_code')) throw new InvalidClientMetadataError('this server supports only the authorization_code grant (with refresh_token)');
      const name = client.client_name?.slice(0, 200);
      const uri = client.client_uri?.startsWith('https://') ? client.client_uri.slice(0, 500) : undefined;
      const sealed: SealedClient = { r: uris, ...(name ? { n: name } : {}), ...(uri ? { u: uri } : {}) };
      const clientId = await o.sealer.seal('client', sealed);
      o.logger.info('oauth.client_registered', { clientName: name, redirectHosts: [...new Set(uris.map(hostOf))] });
      // Registered as a public client whatever was asked (RFC 7591 §3.2.1 lets the server override metadata).
      return { ...information(clientId, uris, name, uri), client_id_issued_at: Math.floor(Date.now() / 1000), scope: client.scope };
    },
  };
}

export function hostOf(uri: string): string {
  try {
    const u = new URL(uri);
    return u.host || u.protocol;
  } catch {
    return 'invalid';
  }
}
