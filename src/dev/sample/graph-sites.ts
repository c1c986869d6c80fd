/**
 * SharePoint sites and lists in the sample Graph: site search, a site's lists, list items with
 * `expand=fields(select=…)`, and creating and updating items (learn.microsoft.com/graph/api/
 * site-search, list-list, listitem-list, listitem-create, listitem-update). Reads need Sites.Read.All,
 * writes Sites.ReadWrite.All (or Manage / FullControl).
 */
import { json } from './http.ts';
import { badRequest, notFound, page, requireScope, select, type Route } from './odata.ts';
import type { ListItem, SampleTenant, SharePointList, Site } from './tenant.ts';

const READ = ['Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'];
const WRITE = ['Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'];

const siteJson = (s: Site) => ({ id: s.id, name: s.name, displayName: s.displayName, description: s.description, webUrl: s.webUrl, createdDateTime: '2023-02-01T09:00:00Z' });
const listJson = (s: Site, l: SharePointList) => ({ id: l.id, name: l.name, displayName: l.displayName, webUrl: `${s.webUrl}/Lists/${l.name}`, list: { template: 'genericList', hidden: false } });

/** `expand=fields` / `$expand=fields(select=A,B)`: which fields to return, or undefined for none. */
function expandedFields(raw: string | null, l: SharePointList): string[] | undefined {
  if (raw === null) return undefined;
  const m = /^fields(?:\((?:\$?select=([^)]*))\))?$/i.exec(raw.trim());
  if (!m) throw badRequest(`The sample tenant expands only fields (got '${raw}').`, 'invalidRequest');
  if (!m[1]) return l.columns;
  const names = m[1].split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!l.columns.includes(n) && n !== 'id') throw badRequest(`Field '${n}' is not recognized.`, 'invalidRequest');
  return names;
}

function itemJson(s: Site, l: SharePointList, i: ListItem, fields: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { id: i.id, createdDateTime: i.createdDateTime, lastModifiedDateTime: i.lastModifiedDateTime, webUrl: `${s.webUrl}/Lists/${l.name}/DispForm.aspx?ID=${i.id}` };
  if (fields) out.fields = { id: i.id, ...Object.fromEntries(fields.filter((f) => f !== 'id').map((f) => [f, i.fields[f] ?? null])) };
  return out;
}

function checkFields(l: SharePointList, body: unknown): Record<string, string | number | boolean | null> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid request: the fields must be a JSON object.', 'invalidRequest');
  for (const [k, v] of Object.entries(body)) {
    if (!l.columns.includes(k)) throw badRequest(`Field '${k}' is not recognized.`, 'invalidRequest');
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) throw badRequest(`The value of field '${k}' is not valid.`, 'invalidRequest');
  }
  return body as Record<string, string | number | boolean | null>;
}

export function siteRoutes(tenant: SampleTenant, base: string): Route[] {
  const site = (id: string) => tenant.sites().find((s) => s.id.toLowerCase() === id.toLowerCase()) ?? (() => { throw notFound('itemNotFound', 'Requested site could not be found'); })();
  const list = (s: Site, id: string) => s.lists.find((l) => l.id === id.toLowerCase() || l.name.toLowerCase() === id.toLowerCase() || l.displayName.toLowerCase() === id.toLowerCase()) ?? (() => { throw notFound('itemNotFound', 'The requested list was not found.'); })();
  const item = (l: SharePointList, id: string) => l.items.find((i) => i.id === id) ?? (() => { throw notFound('itemNotFound', 'The requested item was not found.'); })();
  return [
    {
      method: 'GET',
      re: /^\/v1\.0\/sites$/i,
      handle(_m, req, caller) {
        requireScope(caller, READ);
        const q = req.query.get('search');
        if (q === null) throw badRequest('Listing all sites needs a search: use /sites?search={query}.', 'invalidRequest');
        const words = q === '*' ? [] : q.toLowerCase().split(/\s+/).filter(Boolean);
        const found = tenant.sites().filter((s) => words.every((w) => `${s.name} ${s.displayName} ${s.description}`.toLowerCase().includes(w))).map(siteJson);
        return page(req, base, 'site', found, { def: 200, max: 999 });
      },
    },
    { method: 'GET', re: /^\/v1\.0\/sites\/([^/]+)$/i, handle: (m, req, caller) => (requireScope(caller, READ), json(200, select(req, 'site', siteJson(site(m[0]!))))) },
    {
      method: 'GET',
      re: /^\/v1\.0\/sites\/([^/]+)\/lists$/i,
      handle(m, req, caller) {
        requireScope(caller, READ);
        const s = site(m[0]!);
        return page(req, base, 'list', s.lists.map((l) => listJson(s, l)), { def: 200, max: 999 });
      },
    },
    {
      method: 'GET',
      re: /^\/v1\.0\/sites\/([^/]+)\/lists\/([^/]+)\/items$/i,
      handle(m, req, caller) {
        requireScope(caller, READ);
        const s = site(m[0]!);
        const l = list(s, m[1]!);
        const fields = expandedFields(req.query.get('expand') ?? req.query.get('$expand'), l);
        return page(req, base, 'listItem', l.items.map((i) => itemJson(s, l, i, fields)), { def: 200, max: 5000 });
      },
    },
    {
      method: 'GET',
      re: /^\/v1\.0\/sites\/([^/]+)\/lists\/([^/]+)\/items\/([^/]+)$/i,
      handle(m, req, caller) {
        requireScope(caller, READ);
        const s = site(m[0]!);
        const l = list(s, m[1]!);
        return json(200, itemJson(s, l, item(l, m[2]!), expandedFields(req.query.get('expand') ?? req.query.get('$expand'), l)));
      },
    },
    {
      method: 'POST',
      re: /^\/v1\.0\/sites\/([^/]+)\/lists\/([^/]+)\/items$/i,
      handle(m, req, caller) {
        requireScope(caller, WRITE);
        const s = site(m[0]!);
        const l = list(s, m[1]!);
        const fields = checkFields(l, (req.json() as { fields?: unknown } | undefined)?.fields);
        const now = new Date(tenant.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const created: ListItem = { id: String(Math.max(0, ...l.items.map((i) => Number(i.id))) + 1), createdDateTime: now, lastModifiedDateTime: now, fields: { ...fields } };
        l.items.push(created);
        return json(201, itemJson(s, l, created, l.columns));
      },
    },
    {
      method: 'PATCH',
      re: /^\/v1\.0\/sites\/([^/]+)\/lists\/([^/]+)\/items\/([^/]+)\/fields$/i,
      handle(m, req, caller) {
        requireScope(caller, WRITE);
        const s = site(m[0]!);
        const l = list(s, m[1]!);
        const i = item(l, m[2]!);
        Object.assign(i.fields, checkFields(l, req.json()));
        i.lastModifiedDateTime = new Date(tenant.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        return json(200, { id: i.id, ...i.fields });
      },
    },
  ];
}
