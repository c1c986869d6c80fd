/**
 * The On-Behalf-Of exchange: the user's token for a narrow downstream token, with msal-node.
 * A ConfidentialClientApplication is made per exchange (its cache then dies with it) and given
 * the tenant's OIDC document, so msal makes no discovery calls; results go to OboTokenCache.
 */
import type * as Msal from '@azure/msal-node';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../logger.ts';
import { OboTokenCache, type CachedToken } from './cache.ts';
import { OboError, toOboError } from './errors.ts';
import { KeyedLimiter } from '../limits.ts';
import { loadMsal } from './msal.ts';

export const DEVOPS_RESOURCE_ID = '499b84ac-1321-427f-aa17-267ca6975798';

/** What a token is for: an API (`graph`, `devops`, or an identifier URI) and the delegated permissions wanted on it. */
export interface OboTarget {
  resource: string;
  /** Short permission names (`Mail.Read`, `vso.work`); the token is asked for exactly these. */
  scopes: readonly string[];
}

export interface OboOptions {
  /** The user (`tid/oid`): tokens are remembered under them, so they can all be dropped. */
  user?: string;
  /** A claims challenge from the API (Continuous Access Evaluation): skip the cache and ask Entra with it. */
  claims?: string;
  /** Runs an exchange when one is needed (the user's downstream slot, limits.ts); a cached token takes none. */
  slot?: <T>(task: () => Promise<T>) => Promise<T>;
}

export interface OboClient {
  /** A downstream access token for the user who presented `assertion`, for exactly `target.scopes`. */
  getToken(assertion: string, target: OboTarget, opts?: OboOptions): Promise<string>;
  /** Drops every cached token of a user for an API, whatever its scopes (after a claims challenge). */
  evictUser(user: string, resource: string): void;
}

export type ClientCredential = { clientSecret: string } | { clientAssertion: () => Promise<string> };

export interface OboClientOptions {
  clientId: string;
  /** `{authorityHost}/{tenant}` */
  authority: string;
  /** The tenant's v2 OIDC document (JSON), so msal skips discovery. */
  authorityMetadata: () => Promise<string>;
  credential: ClientCredential;
  graphEndpoint: string;
  clock: Clock;
  logger: Logger;
  cache?: OboTokenCache;
  timeoutMs?: number;
  /** msal's network client (the server's outbound agent); msal's own otherwise. */
  networkClient?: Msal.INetworkModule;
  /** Most token exchanges in flight at once; more wait in line (a burst of new users). Default 16. */
  maxConcurrent?: number;
  /** Memory for cached downstream tokens; default 16% of the V8 heap. */
  cacheBytes?: number;
}

/** The API's name for people: Microsoft Graph, Azure DevOps, or its identifier URI. */
export function apiName(resource: string): string {
  return resource === 'graph' ? 'Microsoft Graph' : resource === 'devops' ? 'Azure DevOps' : resource;
}

/** What a failure names: the API and the permissions, so "consent missing" says which one. */
function describe(target: OboTarget): string {
  return target.scopes.length ? `${apiName(target.resource)} (${target.scopes.join(', ')})` : apiName(target.resource);
}

/** The v2 `scope` values: `{resource}/{permission}` for each (Graph at the cloud's Graph host, DevOps by its app id). */
export function scopesFor(target: OboTarget, graphEndpoint: string): string[] {
  const prefix = target.resource === 'graph' ? graphEndpoint : target.resource === 'devops' ? DEVOPS_RESOURCE_ID : target.resource;
  return target.scopes.length ? target.scopes.map((s) => `${prefix}/${s}`) : [`${prefix}/.default`];
}

export function createOboClient(opts: OboClientOptions): OboClient & { cache: OboTokenCache; warm(): Promise<void> } {
  const cache = opts.cache ?? new OboTokenCache({ clock: opts.clock, ...(opts.cacheBytes ? { maxBytes: opts.cacheBytes } : {}) });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const knownAuthority = new URL(opts.authority).host;
  const exchanges = new KeyedLimiter(opts.maxConcurrent ?? 16);

  async function exchange(assertion: string, target: OboTarget, o: OboOptions): Promise<CachedToken> {
    const { ConfidentialClientApplication, LogLevel } = await loadMsal();
    const started = opts.clock.now();
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: opts.clientId,
        authority: opts.authority,
        knownAuthorities: [knownAuthority],
        authorityMetadata: await opts.authorityMetadata(),
        // Continuous Access Evaluation: APIs may answer with a claims challenge instead of honouring a
        // token until it expires; the server handles those (tools return them to the client).
        clientCapabilities: ['CP1'],
        ...('clientSecret' in opts.credential ? { clientSecret: opts.credential.clientSecret } : { clientAssertion: opts.credential.clientAssertion }),
      },
      system: {
        ...(opts.networkClient ? { networkClient: opts.networkClient } : {}),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Error,
          loggerCallback: (_level, message) => opts.logger.debug('msal', { message }),
        },
      },
    });
    // The timeout is for Entra's answer, not for the wait in line behind other exchanges.
    const result = await exchanges.run('entra', () => withTimeout(
      cca.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: scopesFor(target, opts.graphEndpoint), ...(o.claims ? { claims: o.claims } : {}) }),
      timeoutMs,
      () => new OboError('timeout', `Entra ID did not answer the token exchange for ${describe(target)} within ${timeoutMs / 1000} s; try again.`),
    ));
    if (!result?.accessToken) throw new OboError('unknown', `Entra ID returned no token for ${describe(target)}.`);
    opts.logger.debug('obo.exchanged', { api: target.resource, scopes: target.scopes.join(' '), ms: opts.clock.now() - started, claims: o.claims !== undefined });
    return { accessToken: result.accessToken, expiresOn: result.expiresOn?.getTime() ?? opts.clock.now() + 3_600_000, user: o.user };
  }

  return {
    cache,
    warm() {
      return loadMsal().then(() => undefined);
    },
    evictUser(user, resource) {
      const n = cache.evictUser(user, resource);
      opts.logger.info('obo.evicted', { api: resource, tokens: n, reason: 'claims_challenge' });
    },
    async getToken(assertion, target, o = {}) {
      const key = OboTokenCache.key(assertion, target.resource, target.scopes);
      const run = o.slot ?? (<T>(task: () => Promise<T>) => task());
      try {
        if (o.claims) {
          // A challenged token must never come back from the cache; the fresh one may be cached again.
          const fresh = await run(() => exchange(assertion, target, o));
          cache.put(key, fresh);
          return fresh.accessToken;
        }
        const { token } = await cache.getOrLoad(key, () => run(() => exchange(assertion, target, o)));
        return token.accessToken;
      } catch (err) {
        const oboErr = toOboError(err, describe(target));
        opts.logger.warn('obo.failed', { api: target.resource, scopes: target.scopes.join(' '), failure: oboErr.failure, aadsts: oboErr.aadsts, correlationId: oboErr.correlationId });
        throw oboErr;
      }
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
