// OData query options of Graph collections: $filter (the forms mcp-obo uses), $search, $select, $top, $count, $orderby.
import { header, type Ctx } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { badRequest, GraphError } from './errors.ts';

type Pred = (o: JsonObject) => boolean;

const unsupported = (detail: string): GraphError => new GraphError(400, 'Request_UnsupportedQuery', detail);

const lc = (v: unknown): string => String(v).toLowerCase();

function get(o: JsonObject, path: string): unknown {
  let cur: unknown = o;
  for (const p of path.split('/')) cur = typeof cur === 'object' && cur !== null ? (cur as JsonObject)[p] : undefined;
  return cur;
}

const STR = `'((?:[^']|'')*)'`;
const unq = (s: string): string => s.replace(/''/g, "'");

function literal(raw: string): unknown {
  const m = new RegExp(`^${STR}$`).exec(raw);
  if (m) return unq(m[1]!);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw === 'null') return null;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  throw unsupported(`Invalid filter clause: the literal ${raw} is not supported.`);
}

const eq = (a: unknown, b: unknown): boolean => (typeof a === 'string' && typeof b === 'string' ? lc(a) === lc(b) : a === b);

function clause(c: string, check: (prop: string) => void, entity: string): Pred {
  let m = new RegExp(`^startswith\\(\\s*([\\w/]+)\\s*,\\s*${STR}\\s*\\)$`, 'i').exec(c);
  if (m) {
    check(m[1]!);
    const [p, v] = [m[1]!, lc(unq(m[2]!))];
    return (o) => typeof get(o, p) === 'string' && lc(get(o, p)).startsWith(v);
  }
  m = /^([\w/]+)\/any\(\s*(\w+)\s*:\s*(\w+)\s+eq\s+(.+)\)$/i.exec(c);
  if (m && m[2] === m[3]) {
    check(m[1]!);
    const [p, v] = [m[1]!, literal(m[4]!.trim())];
    return (o) => Array.isArray(get(o, p)) && (get(o, p) as unknown[]).some((x) => eq(x, v));
  }
  m = /^([\w/]+)\s+in\s+\((.*)\)$/i.exec(c);
  if (m) {
    check(m[1]!);
    const p = m[1]!;
    const vals = (m[2]!.match(new RegExp(STR, 'g')) ?? []).map((s) => unq(s.slice(1, -1)));
    return (o) => vals.some((v) => eq(get(o, p), v));
  }
  m = /^([\w/]+)\s+(eq|ne)\s+(.+)$/i.exec(c);
  if (m) {
    check(m[1]!);
    const [p, op, v] = [m[1]!, m[2]!.toLowerCase(), literal(m[3]!.trim())];
    return (o) => eq(get(o, p), v) === (op === 'eq');
  }
  throw unsupported(`Unsupported or invalid query filter clause specified for resource '${entity}': ${c}`);
}

/** Split on a keyword outside string literals. */
function splitOutside(s: string, word: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let start = 0;
  const re = new RegExp(`^\\s+${word}\\s+`, 'i');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "'") inStr = !inStr;
    if (inStr) continue;
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    const m = depth === 0 ? re.exec(s.slice(i)) : null;
    if (m) {
      out.push(s.slice(start, i).trim());
      i += m[0].length - 1;
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

export function parseFilter(expr: string, entity: string, filterable?: string[]): Pred {
  const allowed = filterable?.map(lc);
  const check = (p: string): void => {
    if (allowed && !allowed.includes(lc(p))) throw unsupported(`Unsupported or invalid query filter clause specified for property '${p}' of resource '${entity}'.`);
  };
  const ors = splitOutside(expr.trim(), 'or').map((part) => splitOutside(part, 'and').map((c) => clause(c, check, entity)));
  return (o) => ors.some((ands) => ands.every((p) => p(o)));
}

/** `"displayName:word"` terms (AND / OR); a term matches a word prefix of the property, as Graph's tokenised search does. */
export function parseSearch(expr: string): Pred {
  const ors = splitOutside(expr.trim(), 'or').map((part) =>
    splitOutside(part, 'and').map((t) => {
      const m = /^"(\w+):(.*)"$/.exec(t.trim());
      if (!m) throw badRequest(`Invalid $search: ${t}. Use "property:term".`, 'Request_UnsupportedQuery');
      const [prop, term] = [m[1]!, lc(m[2]!.trim())];
      return (o: JsonObject): boolean => {
        const v = o[prop];
        if (typeof v !== 'string') return false;
        return lc(v).startsWith(term) || lc(v).split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(term));
      };
    }),
  );
  return (o) => ors.some((ands) => ands.every((p) => p(o)));
}

export function selectProps(o: JsonObject, select: string | null): JsonObject {
  if (select === null) return o;
  const props = select.split(',').map((s) => s.trim()).filter(Boolean);
  const out: JsonObject = {};
  if ('@odata.type' in o) out['@odata.type'] = o['@odata.type'];
  for (const p of props) {
    const k = Object.keys(o).find((x) => lc(x) === lc(p));
    if (k === undefined) throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${p}' on type 'microsoft.graph.directoryObject'.`, 'BadRequest');
    out[k] = o[k];
  }
  return out;
}

export interface CollectionOptions {
  entity: string;
  filterable?: string[];
}

const OPTIONS = new Set(['$filter', '$search', '$select', '$top', '$count', '$orderby', '$skiptoken']);

/** Apply the query options to `items`; returns the response body (value, @odata.count, @odata.nextLink). */
export function queryCollection(ctx: Ctx, base: string, context: string, items: JsonObject[], o: CollectionOptions): JsonObject {
  const q = ctx.query;
  for (const k of q.keys()) if (k.startsWith('$') && !OPTIONS.has(k)) throw badRequest(`Query option '${k}' is not supported by the emulator on this resource.`, 'BadRequest');
  const eventual = lc(header(ctx, 'consistencylevel') ?? '') === 'eventual';
  let out = items;
  const filter = q.get('$filter');
  if (filter !== null) out = out.filter(parseFilter(filter, o.entity, o.filterable));
  const search = q.get('$search');
  if (search !== null) {
    if (!eventual) throw unsupported("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    out = out.filter(parseSearch(search));
  }
  const count = q.get('$count');
  if (count !== null && count !== 'false' && !eventual) throw badRequest('$count is not currently supported.');
  const orderby = q.get('$orderby');
  if (orderby !== null) {
    const m = /^(\w+)(\s+(asc|desc))?$/i.exec(orderby.trim());
    if (!m) throw unsupported(`Unsupported $orderby: ${orderby}`);
    const dir = lc(m[3] ?? 'asc') === 'desc' ? -1 : 1;
    out = [...out].sort((a, b) => dir * String(a[m[1]!] ?? '').localeCompare(String(b[m[1]!] ?? '')));
  }
  const topRaw = q.get('$top');
  const top = topRaw === null ? 100 : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > 999) throw badRequest(`Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`);
  const skip = q.has('$skiptoken') ? Number(Buffer.from(q.get('$skiptoken')!, 'base64url').toString()) || 0 : 0;
  const total = out.length;
  const page = out.slice(skip, skip + top).map((x) => selectProps(x, q.get('$select')));
  const body: JsonObject = { '@odata.context': context };
  if (count === 'true') body['@odata.count'] = total;
  if (skip + top < total) {
    const next = new URLSearchParams(q);
    next.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
    body['@odata.nextLink'] = `${base}?${next.toString()}`;
  }
  body.value = page;
  return body;
}
