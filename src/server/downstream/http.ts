/**
 * Calls to downstream APIs: JSON only, a timeout on every request, one retry after a 429 that
 * names a short Retry-After, and keep-alive connections (global fetch pools them per origin).
 */
import type { Clock } from '../../clock.ts';

export class DownstreamError extends Error {
  readonly status: number | undefined;
  readonly kind: 'auth' | 'forbidden' | 'throttled' | 'timeout' | 'unavailable' | 'bad_response' | 'not_found' | 'claims_challenge';
  readonly retryable: boolean;
  /** A Continuous Access Evaluation challenge: the claims (JSON) a new token must satisfy. */
  readonly claims: string | undefined;

  constructor(kind: DownstreamError['kind'], message: string, status?: number, claims?: string) {
    super(message);
    this.name = 'DownstreamError';
    this.kind = kind;
    this.status = status;
    this.claims = claims;
    this.retryable = kind === 'throttled' || kind === 'timeout' || kind === 'unavailable';
  }
}

export interface HttpOptions {
  fetch?: typeof fetch;
  clock: Clock;
  timeoutMs?: number;
  /** Longest Retry-After the client waits for once; longer ones fail as throttled. */
  maxRetryAfterMs?: number;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export type Requester = (url: string, init: { token: string; headers?: Record<string, string>; service: string }) => Promise<JsonResponse>;

export function createRequester(opts: HttpOptions): Requester {
  const fetchImpl = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 5000;

  return async function request(url, init) {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method: 'GET',
          redirect: 'manual',
          headers: { accept: 'application/json', ...init.headers, authorization: `Bearer ${init.token}` },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError') throw new DownstreamError('timeout', `${init.service} did not answer within ${timeoutMs / 1000} s; try again.`);
        throw new DownstreamError('unavailable', `${init.service} could not be reached; try again shortly.`);
      }
      if (res.status === 429) {
        const waitMs = retryAfterMs(res.headers.get('retry-after'), opts.clock.now());
        await res.body?.cancel();
        if (attempt === 0 && waitMs !== undefined && waitMs <= maxRetryAfterMs) {
          await opts.clock.sleep(waitMs);
          continue;
        }
        throw new DownstreamError('throttled', `${init.service} is throttling requests${waitMs !== undefined ? `; retry after ${Math.ceil(waitMs / 1000)} s` : ''}.`, 429);
      }
      const type = res.headers.get('content-type') ?? '';
      const body = type.includes('json') ? await res.json().catch(() => undefined) : (await res.body?.cancel(), undefined);
      return { status: res.status, headers: res.headers, body };
    }
  };
}

/**
 * The claims of a Continuous Access Evaluation challenge in a 401's WWW-Authenticate
 * (`error="insufficient_claims", claims="<base64 JSON>"`, learn.microsoft.com/entra/identity-platform/claims-challenge).
 */
export function claimsChallenge(headers: Headers): string | undefined {
  const h = headers.get('www-authenticate') ?? '';
  if (!/error="insufficient_claims"/i.test(h)) return undefined;
  const b64 = /claims="([^"]+)"/i.exec(h)?.[1];
  if (!b64) return undefined;
  const json = Buffer.from(b64, 'base64').toString('utf8');
  try {
    JSON.parse(json);
    return json;
  } catch {
    return undefined;
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
