/**
 * `fetch` over undici's `request` API, for the server's own outbound calls (Graph, DevOps, Entra).
 * undici's WHATWG fetch costs about 0.3 ms of CPU per call here (spec machinery: request and
 * response objects, header guards, a stream per body, dependent abort signals): about a quarter of
 * a whole warm tool call (bench/run.ts, throughput). `request` is undici's own lean API.
 *
 * What callers rely on is kept, as the Fetch Standard says (fetch.spec.whatwg.org):
 *   - redirects followed up to 20, `redirect: 'manual' | 'error'` honoured; 303 (and 301/302 after
 *     a POST) become a GET without the body; Authorization is dropped when the redirect leaves the
 *     origin ("HTTP-redirect fetch", step 13), so a user's token never follows a redirect elsewhere;
 *   - a body of text, bytes or URLSearchParams, with the content type fetch would give it;
 *   - gzip, deflate and br answers decoded, as fetch does (only when the caller asked for them:
 *     nothing is advertised otherwise, so services answer uncompressed);
 *   - no body for HEAD and for 204, 205, 304; `url` and `redirected` on the response;
 *   - failures as fetch reports them: `TypeError('fetch failed')` with the cause (timeouts keep
 *     undici's codes), and an aborted signal's reason.
 * Anything else (a Request object, a stream or form body) goes to undici's fetch unchanged.
 * Answers up to 256 KB are read whole before the Response is made (cheaper than a stream); larger
 * ones stream, so a capped reader (the files pack reads at most 1 MiB) never holds a whole file.
 */
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
// The methods fetch upper-cases (PATCH is not one of them: fetch.spec.whatwg.org, "normalize a method").
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];
const CROSS_ORIGIN_DROPPED = ['authorization', 'proxy-authorization', 'cookie'];
const decoders: Record<string, () => NodeJS.ReadWriteStream> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };
/**
 * Answers up to this size are read whole (nearly all: a few KB of JSON); a larger one is handed on as
 * a stream, so a caller that stops reading (a capped download) never makes the server hold the rest.
 */
const BUFFERED_BYTES = 256 * 1024;

type Body = string | Uint8Array | undefined;

export function requestFetch(dispatcher: Dispatcher, fallback: typeof fetch): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) {
      // A Request (perhaps the global one, which undici's own fetch does not take): its parts, init over them.
      const { url, method, headers, body, redirect, signal } = input;
      return fallback(url, { method, headers, redirect, signal, ...(body ? { body, duplex: 'half' } : {}), ...init } as RequestInit);
    }
    const prepared = prepareBody(init.body);
    if (prepared === FALLBACK) return fallback(input, init);
    const headers = lowerHeaders(init.headers);
    if (prepared.type && headers['content-type'] === undefined) headers['content-type'] = prepared.type;
    headers.accept ??= '*/*';
    const method = init.method ? (NORMALIZED.has(init.method.toUpperCase()) ? init.method.toUpperCase() : init.method) : 'GET';
    return send(dispatcher, new URL(input), { method, headers, body: prepared.body, signal: init.signal ?? undefined, redirect: init.redirect ?? 'follow' }, 0);
  }) as typeof fetch;
}

interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body: Body;
  signal: AbortSignal | undefined;
  redirect: NonNullable<RequestInit['redirect']>;
}

async function send(dispatcher: Dispatcher, url: URL, req: Outgoing, redirects: number): Promise<Response> {
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body, signal: req.signal });
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    throw new TypeError('fetch failed', { cause: err });
  }
  const location = REDIRECTS.has(res.statusCode) ? header(res.headers, 'location') : undefined;
  if (location !== undefined && req.redirect !== 'manual') {
    await res.body.dump();
    if (req.redirect === 'error') throw new TypeError('fetch failed', { cause: new Error(`unexpected redirect to ${location}`) });
    if (redirects >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    const next = new URL(location, url);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new TypeError('fetch failed', { cause: new Error(`redirect to a ${next.protocol} URL`) });
    const headers = { ...req.headers };
    let { method, body } = req;
    if ((res.statusCode === 303 && method !== 'GET' && method !== 'HEAD') || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      for (const h of BODY_HEADERS) delete headers[h];
    }
    if (next.origin !== url.origin) for (const h of CROSS_ORIGIN_DROPPED) delete headers[h];
    const followed = await send(dispatcher, next, { ...req, method, headers, body }, redirects + 1);
    Object.defineProperty(followed, 'redirected', { value: true });
    return followed;
  }
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
    else responseHeaders.append(name, value);
  }
  let body: Buffer | ReadableStream<Uint8Array> | null = null;
  try {
    if (req.method === 'HEAD' || NULL_BODY.has(res.statusCode)) await res.body.dump();
    else body = await bodyOf(decoded(res.body, header(res.headers, 'content-encoding'), req.headers['accept-encoding']));
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    throw new TypeError('fetch failed', { cause: err });
  }
  let response: Response;
  try {
    response = new Response(body, { status: res.statusCode, headers: responseHeaders });
  } catch (err) {
    // A status outside 200-599, which fetch rejects too.
    throw new TypeError('fetch failed', { cause: err });
  }
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/** The body as undici's request takes it, with the content type fetch would give it; FALLBACK for streams and forms. */
const FALLBACK = Symbol('fallback');
function prepareBody(body: RequestInit['body']): { body: Body; type?: string } | typeof FALLBACK {
  if (body === undefined || body === null) return { body: undefined };
  if (typeof body === 'string') return { body, type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) return { body: body.toString(), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof Uint8Array) return { body };
  if (body instanceof ArrayBuffer) return { body: new Uint8Array(body) };
  return FALLBACK;
}

function lowerHeaders(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  const add = (name: string, value: string) => {
    const k = name.toLowerCase();
    out[k] = out[k] === undefined ? String(value) : `${out[k]}, ${value}`;
  };
  if (h instanceof Headers) h.forEach((v, k) => add(k, v));
  else if (Array.isArray(h)) for (const [k, v] of h) add(k!, v!);
  else for (const k of Object.keys(h)) add(k, (h as Record<string, string>)[k]!);
  return out;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Undo the content codings the caller asked for, last applied first (as fetch does); others are left as they came. */
function decoded(body: Readable, encoding: string | undefined, accepted: string | undefined): Readable {
  if (!encoding || !accepted) return body;
  const codings = encoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity').reverse();
  if (codings.length === 0 || !codings.every((c) => decoders[c])) return body;
  // The callback only takes the error: the last stream carries it to whoever reads.
  return pipeline([body, ...codings.map((c) => decoders[c]!())], () => {}) as unknown as Readable;
}

/** The whole body when it is small, else a stream that starts with what was read and goes on with the rest. */
async function bodyOf(stream: Readable): Promise<Buffer | ReadableStream<Uint8Array>> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  while (size <= BUFFERED_BYTES) {
    const r = await it.next();
    if (r.done) return Buffer.concat(chunks, size);
    chunks.push(r.value);
    size += r.value.length;
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks.splice(0)) controller.enqueue(c);
    },
    async pull(controller) {
      try {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (err) {
        controller.error(err);
      }
    },
    // The caller stopped reading: the rest is not downloaded (the connection is given up).
    async cancel() {
      await it.return?.();
    },
  });
}
