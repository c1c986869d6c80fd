/** Builds the authorization facade's routes from the server configuration (wire.ts calls this). */
import type { Router } from 'express';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { Clock } from '../../clock.ts';
import { derived, type ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ClientCredential } from '../obo/client.ts';
import { createClientMetadataFetcher } from './cimd.ts';
import { createClientStore } from './clients.ts';
import type { AuthConfig } from './config.ts';
import { FacadeCookies } from './cookies.ts';
import { createEntraSignIn, type EntraEndpoints } from './entra.ts';
import { Facade } from './provider.ts';
import { facadeRouter } from './router.ts';
import { createSealer } from './seal.ts';

export interface FacadeBuildDeps {
  verifier: OAuthTokenVerifier;
  credential: ClientCredential;
  /** The tenant's v2 endpoints (OIDC discovery, shared with the verifier). */
  endpoints: () => Promise<EntraEndpoints>;
  clock: Clock;
  logger: Logger;
  fetch: typeof fetch;
}

export function buildFacade(config: ServerConfig, auth: Extract<AuthConfig, { mode: 'facade' }>, deps: FacadeBuildDeps): Router {
  const d = derived(config);
  const sealer = createSealer(auth.key, auth.previousKey, deps.clock.now);
  const facade = new Facade(
    { issuer: config.publicUrl, resource: d.resource, scope: d.scope, serverName: new URL(config.publicUrl).host },
    {
      sealer,
      entra: createEntraSignIn({ clientId: config.clientId, endpoints: deps.endpoints, credential: deps.credential, callbackUrl: `${config.publicUrl}/oauth/callback`, fetch: deps.fetch }),
      clients: createClientStore({ sealer, allowList: auth.redirectUris, metadata: createClientMetadataFetcher({ privateHosts: auth.clientMetadataHosts, now: deps.clock.now }), logger: deps.logger }),
      verifier: deps.verifier,
      cookies: new FacadeCookies(config.publicUrl.startsWith('https://')),
      logger: deps.logger,
      now: deps.clock.now,
    },
  );
  return facadeRouter(facade);
}
