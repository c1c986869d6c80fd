/** What goes wrong calling a downstream API, and the header values that say why (CAE claims, Retry-After). */

export class DownstreamError extends Error {
  readonly status: number | undefined;
  readonly kind: 'auth' | 'forbidden' | 'throttled' | 'timeout' | 'unavailable' | 'bad_response' | 'bad_request' | 'not_found' | 'claims_challenge' | 'too_large';
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

/**
 * The claims of a Continuous Access Evaluation challenge in a 401's WWW-Authenticate
 * (`error="insufficient_claims", claims="<base64 JSON>"`, learn.microsoft.com/entra/identity-platform/claims-challenge).
 */
export function claimsChallenge(res: { header(name: string): string | undefined }): string | undefined {
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
