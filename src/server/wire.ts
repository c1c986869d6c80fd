/**
 * Builds the real dependencies from a validated ServerConfig: discovery, signing keys, the token
 * verifier, the OBO client and the downstream APIs, around the Express app. The only place where
 * the server's clients are constructed.
 */
import type { Clock } from '../clock.ts';
import { derived, type ServerConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { createApp } from './app.ts';
import { Discovery } from './auth/discovery.ts';
import { KeyStore } from './auth/keystore.ts';
import { createVerifier } from './auth/verifier.ts';
import { cachingVerifier } from './auth/verified-cache.ts';
import { createOboClient } from './obo/client.ts';
import { managedIdentityAssertion } from './obo/managed-identity.ts';
import type { Tool } from '../tools/define.ts';
import type { ClientCredential } from './obo/client.ts';
import { buildFacade } from './facade/build.ts';
import type { Outbound } from './outbound.ts';

export interface WireOptions {
  clock: Clock;
  logger: Logger;
  /** Every outbound request goes through it (src/server/outbound.ts). */
  outbound: Outbound;
  /** The tools to offer, read per request (a --watch reload swaps them). */
  tools: () => readonly Tool[];
}

export interface Wired {
  app: ReturnType<typeof createApp>;
  /** Loads what the first authenticated call needs (discovery, signing keys, msal) in the background. */
  warm(): Promise<void>;
}

export function wireApp(config: ServerConfig, { clock, logger, outbound, tools }: WireOptions): Wired {
  const d = derived(config);
  const fetchImpl = outbound.fetch;
  const v2 = new Discovery(`${d.authority}/v2.0/.well-known/openid-configuration`, fetchImpl);
  const v1 = new Discovery(`${d.authority}/.well-known/openid-configuration`, fetchImpl);
  const keysFor = (discovery: Discovery) => new KeyStore({ jwksUri: async () => (await discovery.get()).jwks_uri, clock, logger, fetch: fetchImpl });

  const v2Keys = keysFor(v2);
  const verifier = cachingVerifier(createVerifier({
    tenantId: config.tenantId,
    clientId: config.clientId,
    resource: d.resource,
    identifierUri: config.identifierUri,
    maxTokenAgeSeconds: config.maxTokenAgeSeconds,
    allowedClients: config.allowedClients,
    clock,
    issuers: [
      { version: '2.0', issuer: async () => (await v2.get()).issuer, keys: v2Keys },
      { version: '1.0', issuer: async () => (await v1.get()).issuer, keys: keysFor(v1) },
    ],
  }), clock, config.limits.verifiedCacheMiB ? { maxBytes: config.limits.verifiedCacheMiB * 1024 * 1024 } : {});

  // One credential for the OBO exchange and the facade's sign-in: both act as the server's app.
  const credential: ClientCredential =
    config.credential.kind === 'secret'
      ? { clientSecret: config.credential.clientSecret }
      : { clientAssertion: managedIdentityAssertion(config.credential.miClientId, config.credential.tokenExchangeAudience, outbound.msalNetwork) };
  const obo = createOboClient({
    clientId: config.clientId,
    authority: d.authority,
    authorityMetadata: async () => JSON.stringify(await v2.get()),
    credential,
    graphEndpoint: config.graphEndpoint,
    clock,
    logger,
    networkClient: outbound.msalNetwork,
    maxConcurrent: config.limits.maxExchanges,
    ...(config.limits.cacheMiB ? { cacheBytes: config.limits.cacheMiB * 1024 * 1024 } : {}),
  });

  const facade =
    config.auth.mode === 'facade'
      ? buildFacade(config, config.auth, { verifier, credential, endpoints: () => v2.get(), clock, logger, fetch: fetchImpl })
      : undefined;
  const app = createApp(
    { ...d, logUserNames: config.logUserNames, allowedOrigins: config.allowedOrigins, limits: config.limits, revision: config.revision },
    {
      verifier,
      obo,
      fetch: fetchImpl,
      endpoints: { graph: config.graphEndpoint, devops: { api: config.devopsApiEndpoint, profile: config.devopsEndpoint } },
      tools,
      clock,
      logger,
      facade,
    },
  );
  const warm = async () => {
    const started = clock.now();
    const [discovery] = await Promise.allSettled([v2.get().then(() => v2Keys.refresh()), obo.warm()]);
    if (discovery.status === 'rejected') logger.warn('discovery.failed', { error: (discovery.reason as Error).message });
    logger.debug('server.warm', { ms: clock.now() - started });
    // A debug metric: how well the caches serve (entries, bytes, hits and misses since start).
    setInterval(() => logger.debug('cache.stats', { verified: verifier.stats(), obo: obo.cache.stats() }), 60_000).unref();
  };
  return { app, warm };
}
