/**
 * Calls to downstream APIs: JSON only, through the server's outbound agent (keep-alive, capped
 * connections per origin, its own timeouts), and one retry after a 429 that names a short Retry-After.
 */
import type { Clock } from '../../clock.ts';
import { OutboundTimeoutError, type Outbound } from '../outbound.ts';

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
  /** The outbound GET (src/server/outbound.ts): keep-alive, capped connections, its own timeouts. */
  get: Outbound['get'];
  clock: Clock;
  /** For the message only: the outbound agent enforces it. */
  timeoutMs: number;
  /** Longest Retry-After the client waits for once; longer ones fail as throttled. */
  maxRetryAfterMs?: number;
}

export interface JsonResponse {
  status: number;
  /** A response header (names in lower case). */
  header(name: string): string | undefined;
  body: unknown;
}

export type Requester = (url: string, init: { token: string; headers?: Record<string, string>; service: string }) => Promise<JsonResponse>;

export function createRequester(opts: HttpOptions): Requester {
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 5000;

  return async function request(url, init) {
    for (let attempt = 0; ; attempt++) {
      let res: Awaited<ReturnType<Outbound['get']>>;
      try {
        res = await opts.get(url, { accept: 'application/json', ...init.headers, authorization: `Bearer ${init.token}` });
      } catch (err) {
        if (err instanceof OutboundTimeoutError) throw new DownstreamError('timeout', `${init.service} did not answer within ${opts.timeoutMs / 1000} s; try again.`);
        throw new DownstreamError('unavailable', `${init.service} could not be reached; try again shortly.`);
      }
      const header = (name: string): string | undefined => {
        const v = res.headers[name];
        return Array.isArray(v) ? v.join(', ') : v;
      };
      if (res.status === 429) {
        const waitMs = retryAfterMs(header('retry-after') ?? null, opts.clock.now());
        if (attempt === 0 && waitMs !== undefined && waitMs <= maxRetryAfterMs) {
          await opts.clock.sleep(waitMs);
          continue;
        }
        throw new DownstreamError('throttled', `${init.service} is throttling requests${waitMs !== undefined ? `; retry after ${Math.ceil(waitMs / 1000)} s` : ''}.`, 429);
      }
      let body: unknown;
      if ((header('content-type') ?? '').includes('json')) {
        try {
          body = JSON.parse(res.body);
        } catch {
          body = undefined;
        }
      }
      return { status: res.status, header, body };
    }
  };
}

/**
 * The claims of a Continuous Access Evaluation challenge in a 401's WWW-Authenticate
 * (`error="insufficient_claims", claims="<base64 JSON>"`, learn.microsoft.com/entra/identity-platform/claims-challenge).
 */
export function claimsChallenge(res: Pick<JsonResponse, 'header'>): string | undefined {
  const h = res.header('www-authenticate') ?? '';
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
