/**
 * Wires the real dependencies from a validated ServerConfig and listens. The only place where
 * the server's clients (discovery, keys, OBO, downstream HTTP) are constructed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock.ts';
import { derived, type ServerConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createApp } from './app.ts';
import { Discovery } from './auth/discovery.ts';
import { KeyStore } from './auth/keystore.ts';
import { createVerifier } from './auth/verifier.ts';
import { createOboClient } from './obo/client.ts';
import { managedIdentityAssertion } from './obo/managed-identity.ts';
import { createRequester } from './downstream/http.ts';
import { createGraphApi } from './downstream/graph.ts';
import { createDevOpsApi } from './downstream/devops.ts';

export interface RunningServer {
  /** Where it listens, e.g. http://127.0.0.1:8000 */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
}

export async function startServer(config: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const fetchImpl = opts.fetch ?? fetch;
  const d = derived(config);

  const v2 = new Discovery(`${d.authority}/v2.0/.well-known/openid-configuration`, fetchImpl);
  const v1 = new Discovery(`${d.authority}/.well-known/openid-configuration`, fetchImpl);
  const keysFor = (discovery: Discovery) =>
    new KeyStore({ jwksUri: async () => (await discovery.get()).jwks_uri, clock, logger, fetch: fetchImpl });

  const verifier = createVerifier({
    tenantId: config.tenantId,
    clientId: config.clientId,
    resource: d.resource,
    maxTokenAgeSeconds: config.maxTokenAgeSeconds,
    clock,
    issuers: [
      { version: '2.0', issuer: async () => (await v2.get()).issuer, keys: keysFor(v2) },
      { version: '1.0', issuer: async () => (await v1.get()).issuer, keys: keysFor(v1) },
    ],
  });

  const obo = createOboClient({
    clientId: config.clientId,
    authority: d.authority,
    authorityMetadata: async () => JSON.stringify(await v2.get()),
    credential:
      config.credential.kind === 'secret'
        ? { clientSecret: config.credential.clientSecret }
        : { clientAssertion: managedIdentityAssertion(config.credential.miClientId) },
    graphEndpoint: config.graphEndpoint,
    clock,
    logger,
  });

  const request = createRequester({ clock, fetch: fetchImpl });
  const app = createApp(
    { ...d, logUserNames: config.logUserNames },
    { verifier, obo, graph: createGraphApi(config.graphEndpoint, request), devops: createDevOpsApi(config.devopsEndpoint, request), clock, logger },
  );

  const server = createServer(app);
  // Behind Azure's ingress, idle keep-alive connections must outlive the proxy's own timeout.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info('server.listening', {
    url,
    resource: d.resource,
    authority: d.authority,
    credential: config.credential.kind === 'secret' ? 'client-secret' : 'managed-identity',
    version: process.version,
  });
  // Warm discovery and keys in the background so the first user request does not pay for them.
  void v2.get().then(() => undefined, (err: Error) => logger.warn('discovery.failed', { error: err.message }));

  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
