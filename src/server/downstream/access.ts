/**
 * One authorised request to an API as the user: an OBO token for exactly the tool's scopes on that
 * API, the request through the server's outbound agent, and the two things every API call needs
 * handled once: a Continuous Access Evaluation challenge (drop the user's cached tokens for the API,
 * ask Entra again with the claims, retry once) and throttling (one retry after a short Retry-After).
 * Each token exchange and each request holds one of the user's concurrency slots (limits.ts).
 */
import type { Clock } from '../../clock.ts';
import type { UserClaims } from '../auth/verifier.ts';
import type { KeyedLimiter } from '../limits.ts';
import type { Logger } from '../logger.ts';
import { apiName, type OboClient, type OboTarget } from '../obo/client.ts';
import { OboError } from '../obo/errors.ts';
import { claimsChallenge, DownstreamError, retryAfterMs } from './http.ts';

export interface AccessDeps {
  obo: OboClient;
  /** fetch through the outbound agent (src/server/outbound.ts). */
  fetch: typeof fetch;
  clock: Clock;
  limiter: KeyedLimiter;
  logger: Logger;
  /** Longest Retry-After waited for once; a longer one is answered as it came (throttled). Default 5 s. */
  maxRetryAfterMs?: number;
}

/** The caller of one tool call: the token it presented, who it is, and the call's abort signal. */
export interface Caller {
  assertion: string;
  user: UserClaims;
  signal: AbortSignal;
}

export type AuthorizedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** fetch as the caller for `target` (its resource and exact scopes). */
export function authorizedFetch(deps: AccessDeps, caller: Caller, target: OboTarget): AuthorizedFetch {
  const who = `${caller.user.tid}/${caller.user.oid}`;
  const service = apiName(target.resource);
  const maxRetryAfterMs = deps.maxRetryAfterMs ?? 5000;
  const limited = <T>(task: () => Promise<T>) => deps.limiter.run(who, task);
  // Only an exchange takes one of the user's slots: a cached token is no downstream call.
  const token = (claims?: string) => deps.obo.getToken(caller.assertion, target, { user: who, slot: limited, ...(claims ? { claims } : {}) });

  const send = async (url: string | URL, init: RequestInit, bearer: string): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${bearer}`);
    const signal = init.signal ?? caller.signal;
    try {
      return await limited(() => deps.fetch(url, { ...init, headers, signal }));
    } catch (err) {
      if (signal.aborted) throw err;
      const code = String((err as { cause?: { code?: string } }).cause?.code ?? '');
      if (/TIMEOUT/.test(code)) throw new DownstreamError('timeout', `${service} did not answer in time; try again.`);
      throw new DownstreamError('unavailable', `${service} could not be reached; try again shortly.`);
    }
  };

  return async (url, init = {}) => {
    let bearer = await token();
    let res = await send(url, init, bearer);
    const replayable = init.body === undefined || init.body === null || typeof init.body === 'string' || init.body instanceof Uint8Array || init.body instanceof URLSearchParams;
    const claims = res.status === 401 ? claimsChallenge({ header: (n) => res.headers.get(n) ?? undefined }) : undefined;
    if (claims) {
      // Continuous Access Evaluation: none of this user's tokens for this API may be served again. Ask Entra
      // once with the claims; if it cannot satisfy them without the user, the challenge goes back to the client.
      await res.body?.cancel();
      deps.obo.evictUser(who, target.resource);
      bearer = await token(claims).catch((err: unknown) => {
        const message = `${service} asks for a fresh sign-in (Continuous Access Evaluation: your session was revoked or its conditions changed). Sign in again in your MCP client.`;
        throw err instanceof OboError ? new OboError(err.failure === 'unknown' ? 'claims_challenge' : err.failure, message, { claims, aadsts: err.aadsts, cause: err }) : err;
      });
      if (!replayable) throw new DownstreamError('claims_challenge', `${service} asks for a fresh sign-in; sign in again in your MCP client.`, 401, claims);
      res = await send(url, init, bearer);
      const again = res.status === 401 ? claimsChallenge({ header: (n) => res.headers.get(n) ?? undefined }) : undefined;
      if (again) throw new DownstreamError('claims_challenge', `${service} asks for a fresh sign-in (Continuous Access Evaluation). Sign in again in your MCP client.`, 401, again);
    }
    if ((res.status === 429 || res.status === 503) && replayable) {
      const waitMs = retryAfterMs(res.headers.get('retry-after'), deps.clock.now());
      if (waitMs !== undefined && waitMs <= maxRetryAfterMs) {
        deps.logger.debug('downstream.throttled', { api: target.resource, status: res.status, waitMs });
        await res.body?.cancel();
        await deps.clock.sleep(waitMs, init.signal ?? caller.signal);
        res = await send(url, init, bearer);
      }
    }
    return res;
  };
}
