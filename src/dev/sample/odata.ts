/**
 * The parts of Graph's OData and error conventions the sample services follow: `$select` (unknown
 * properties refused), `$top`/`$skip` paging with `@odata.nextLink`, and Graph's error body.
 * learn.microsoft.com/graph/query-parameters, learn.microsoft.com/graph/paging, learn.microsoft.com/graph/errors
 */
import { randomUUID } from 'node:crypto';
import { json, type SampleCaller, type SampleRequest, type SampleResponse } from './http.ts';

export class GraphFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function graphError(e: GraphFailure): SampleResponse {
  const id = randomUUID();
  return json(e.status, { error: { code: e.code, message: e.message, innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': id, 'client-request-id': id } } }, { 'request-id': id, ...e.headers });
}

export const badRequest = (message: string, code = 'BadRequest') => new GraphFailure(400, code, message);
export const notFound = (code = 'ErrorItemNotFound', message = 'The specified object was not found in the store.') => new GraphFailure(404, code, message);

/** 403 unless the token holds one of `anyOf` (Graph's answer to a token without the permission). */
export function requireScope(caller: SampleCaller, anyOf: readonly string[]): void {
  const held = new Set(caller.scopes.map((s) => s.toLowerCase()));
  if (!anyOf.some((s) => held.has(s.toLowerCase()))) throw new GraphFailure(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}

/** `$select` applied to an object with the given properties (`id` is always returned, as Graph does). */
export function select(req: SampleRequest, entity: string, obj: Record<string, unknown>): Record<string, unknown> {
  const raw = req.query.get('$select');
  if (raw === null) return obj;
  const out: Record<string, unknown> = { id: obj.id };
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
    if (!key) throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${entity}'.`, 'RequestBroker--ParseUri');
    out[key] = obj[key];
  }
  return out;
}

/** One page of a collection: `$top` (1..max, default `def`), `$skip`, and the next link when more remain. */
export function page(req: SampleRequest, base: string, entity: string, items: Record<string, unknown>[], opts: { def: number; max: number }): SampleResponse {
  const top = req.query.has('$top') ? Number(req.query.get('$top')) : opts.def;
  if (!Number.isInteger(top) || top < 1 || top > opts.max) throw badRequest(`Invalid value '${req.query.get('$top')}' for query parameter $top (1 to ${opts.max}).`, 'ErrorInvalidParameter');
  const skip = req.query.has('$skip') ? Number(req.query.get('$skip')) : 0;
  if (!Number.isInteger(skip) || skip < 0) throw badRequest(`Invalid value '${req.query.get('$skip')}' for query parameter $skip.`, 'ErrorInvalidParameter');
  const value = items.slice(skip, skip + top).map((i) => select(req, entity, i));
  const body: Record<string, unknown> = { '@odata.context': `${base}/v1.0/$metadata#${entity}s`, value };
  if (skip + top < items.length) {
    const next = new URL(`${base}${req.path}`);
    for (const [k, v] of req.query) if (k !== '$skip') next.searchParams.set(k, v);
    next.searchParams.set('$skip', String(skip + top));
    body['@odata.nextLink'] = next.href;
  }
  return json(200, body);
}

/** Graph's `$search="words"`: every word appears in one of the fields (case-insensitive). */
export function matchesSearch(raw: string | null, fields: (string | null | undefined)[]): boolean {
  if (raw === null) return true;
  const words = raw.replace(/^"|"$/g, '').toLowerCase().split(/\s+/).filter(Boolean);
  const hay = fields.filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

export interface Route {
  method: string;
  re: RegExp;
  handle(m: string[], req: SampleRequest, caller: SampleCaller): SampleResponse;
}

/** Dispatches to the first matching route; Graph errors become Graph's error body; unknown paths are not ours. */
export function dispatch(routes: readonly Route[], req: SampleRequest, caller: SampleCaller): SampleResponse | undefined {
  for (const r of routes) {
    const m = r.re.exec(req.path);
    if (!m) continue;
    if (r.method !== req.method) {
      if (routes.some((x) => x.method === req.method && x.re.test(req.path))) continue;
      return graphError(new GraphFailure(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'));
    }
    try {
      return r.handle(m.slice(1).map((x) => decodeURIComponent(x ?? '')), req, caller);
    } catch (err) {
      if (err instanceof GraphFailure) return graphError(err);
      throw err;
    }
  }
  return undefined;
}
