/**
 * Microsoft Graph through the official client: its retry middleware honours Retry-After on 429,
 * 503 and 504. The base URL is the cloud's Graph host; an overridden host is added to
 * customHosts, without which the client silently sends no Authorization header. Every call has a
 * timeout (one signal for the call, the client's own retries included).
 */
import type { TokenCredential } from '@azure/identity';
import type { Cloud } from '../cloud.ts';
import { DEFAULT_HTTP_TIMEOUT_MS, RequestTimeoutError } from '../azure/timeout.ts';

export interface GraphApi {
  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<T>;
  post<T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>): Promise<T>;
  /** PATCH; Graph answers 204 (undefined) or, for upserts that create, 201 with the object. */
  patch<T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>): Promise<T | undefined>;
  delete(path: string): Promise<void>;
  /** Follows @odata.nextLink. */
  list<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<T[]>;
}

export class GraphRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, status: number, code: string, message: string, requestId?: string) {
    super(`${method} ${path}: ${status} ${code}: ${message}`);
    this.name = 'GraphRequestError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.method = method;
    this.path = path;
  }
}

export async function createGraphApi(credential: TokenCredential, cloud: Cloud, timeoutMs = DEFAULT_HTTP_TIMEOUT_MS): Promise<GraphApi> {
  // CommonJS: `.default` is module.exports in Node and in the bundled CLI alike (see .ci/bundle.ts).
  const { Client } = (await import('@microsoft/microsoft-graph-client')).default;
  const host = new URL(cloud.graphEndpoint).hostname;
  const client = Client.initWithMiddleware({
    baseUrl: `${cloud.graphEndpoint}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([host]),
    authProvider: {
      getAccessToken: async () => {
        const token = await credential.getToken(cloud.graphScope);
        if (!token) throw new Error('no Microsoft Graph token');
        return token.token;
      },
    },
  });

  const call = async <T>(method: string, path: string, run: (r: ReturnType<typeof client.api>) => Promise<T>, headers: Record<string, string> = {}): Promise<T> => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await run(client.api(path).headers(headers).option('signal', signal));
    } catch (err) {
      if (signal.aborted) throw new RequestTimeoutError(method, /^https:/.test(path) ? path : `${cloud.graphEndpoint}/v1.0${path}`, timeoutMs);
      const e = err as { statusCode?: number; code?: string | null; message?: string; requestId?: string | null; body?: unknown };
      if (typeof e.statusCode === 'number' && e.statusCode > 0) {
        throw new GraphRequestError(method, path, e.statusCode, e.code ?? 'UnknownError', e.message ?? '', e.requestId ?? undefined);
      }
      throw err;
    }
  };

  return {
    get: (path, headers) => call('GET', path, (r) => r.get(), headers),
    post: (path, body, headers) => call('POST', path, (r) => r.post(body), headers),
    patch: (path, body, headers) => call('PATCH', path, async (r) => (await r.patch(body)) ?? undefined, headers),
    delete: (path) => call('DELETE', path, async (r) => void (await r.delete())),
    async list(path, headers) {
      const items: never[] = [];
      let next: string | undefined = path;
      while (next) {
        const page: { value?: never[]; '@odata.nextLink'?: string } = await call('GET', next, (r) => r.get(), headers);
        items.push(...(page.value ?? []));
        next = page['@odata.nextLink'];
      }
      return items;
    },
  };
}
