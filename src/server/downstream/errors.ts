/**
 * What an API's refusal means for the user, said once for every tool: which permission a 403 is
 * about, when to retry, and the API's own code and message (capped, never a token).
 */
import { DownstreamError } from './http.ts';

export interface RefusalInfo {
  status: number;
  /** The API's error code (Graph `error.code`, DevOps `typeKey`). */
  code?: string | null;
  message?: string | null;
  retryAfterSeconds?: number;
}

const cap = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function refusal(service: string, scopes: readonly string[], r: RefusalInfo): DownstreamError {
  const code = r.code ? ` (${r.code})` : '';
  const detail = r.message ? `: ${cap(r.message.replace(/\s+/g, ' ').trim())}` : '';
  if (r.status === 401) return new DownstreamError('auth', `${service} did not accept the exchanged token${code}; sign in again.`, 401);
  if (r.status === 403) {
    const needs = scopes.length ? ` This tool needs ${scopes.join(', ')} with admin consent (\`mcp-obo consent\`), and you need access to the item.` : '';
    return new DownstreamError('forbidden', `${service} denied access${code}${detail}.${needs}`, 403);
  }
  if (r.status === 404) return new DownstreamError('not_found', `${service} has no such item${code}${detail}.`, 404);
  if (r.status === 429) {
    return new DownstreamError('throttled', `${service} is throttling requests${r.retryAfterSeconds !== undefined ? `; retry after ${r.retryAfterSeconds} s` : '; try again shortly'}.`, 429);
  }
  if (r.status >= 500) return new DownstreamError('unavailable', `${service} is unavailable (HTTP ${r.status}${code}); try again shortly.`, r.status);
  return new DownstreamError('bad_request', `${service} refused the request (HTTP ${r.status}${code})${detail}.`, r.status);
}
