/** The `sharepoint` pack: find sites and their lists, read list items, create and update items. */
import { z } from 'zod';
import { defineTool } from '../define.ts';
import { DESTRUCTIVE, graphPage, READ_ONLY, WRITES } from '../helpers.ts';

const siteId = z.string().min(1).max(300).describe('site id from sharepoint_find_sites');
const list = z.string().min(1).max(255).describe('list id or name from sharepoint_find_sites');
const fieldValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);
const fields = z.record(z.string().min(1).max(255), fieldValue).refine((f) => Object.keys(f).length > 0 && Object.keys(f).length <= 50, '1 to 50 fields');
const itemOut = z.object({ id: z.string(), webUrl: z.string(), lastModified: z.string(), fields: z.record(z.string(), z.unknown()) });

const segment = (s: string) => encodeURIComponent(s);

interface ListItemJson {
  id: string;
  webUrl?: string;
  lastModifiedDateTime?: string;
  fields?: Record<string, unknown>;
}

const toItem = (i: ListItemJson) => {
  // SharePoint's own bookkeeping fields are noise for a model.
  const f = Object.fromEntries(Object.entries(i.fields ?? {}).filter(([k]) => !k.startsWith('@odata') && !/^(ContentType|_|Attachments$|Edit$|LinkTitle|ItemChildCount|FolderChildCount|AppAuthor|AppEditor)/.test(k)));
  return { id: i.id, webUrl: i.webUrl ?? '', lastModified: i.lastModifiedDateTime ?? '', fields: f };
};

export const sharepointFindSites = defineTool({
  name: 'sharepoint_find_sites',
  title: 'Find SharePoint sites',
  description: 'Finds SharePoint sites by words in their name or description, with each site\'s lists (ids and names) for the other sharepoint tools.',
  input: z.object({ query: z.string().min(1).max(200).describe('words, or * for all sites you can see') }),
  output: z.object({ sites: z.array(z.object({ id: z.string(), name: z.string(), webUrl: z.string(), description: z.string(), lists: z.array(z.object({ id: z.string(), name: z.string() })) })) }),
  annotations: READ_ONLY,
  scopes: { graph: ['Sites.Read.All'] },
  testInput: { query: '*' },
  async handler({ query }, ctx) {
    const found = (await ctx.graph.api('/sites').query({ search: query }).top(10).get()) as { value?: { id: string; displayName?: string; name?: string; webUrl?: string; description?: string }[] };
    const sites = await Promise.all((found.value ?? []).map(async (s) => {
      const lists = (await ctx.graph.api(`/sites/${segment(s.id)}/lists`).select(['id', 'name', 'displayName', 'list']).get()) as { value?: { id: string; displayName?: string; name?: string; list?: { hidden?: boolean } }[] };
      return {
        id: s.id, name: s.displayName ?? s.name ?? '', webUrl: s.webUrl ?? '', description: s.description ?? '',
        lists: (lists.value ?? []).filter((l) => !l.list?.hidden).map((l) => ({ id: l.id, name: l.displayName ?? l.name ?? '' })),
      };
    }));
    return { sites };
  },
});

export const sharepointListItems = defineTool({
  name: 'sharepoint_list_items',
  title: 'SharePoint list items',
  description: 'Reads the items of a SharePoint list (all columns, or only those named in columns).',
  input: z.object({ siteId, list, columns: z.array(z.string().min(1).max(255)).max(30).optional(), limit: z.number().int().min(1).max(100).default(25), cursor: z.string().max(4000).optional() }),
  output: z.object({ items: z.array(itemOut), nextCursor: z.string().nullable() }),
  annotations: READ_ONLY,
  scopes: { graph: ['Sites.Read.All'] },
  async handler({ siteId, list, columns, limit, cursor }, ctx) {
    const path = `/sites/${segment(siteId)}/lists/${segment(list)}/items`;
    const expand = columns?.length ? `fields(select=${columns.join(',')})` : 'fields';
    const page = await graphPage<ListItemJson>(ctx.graph, path, (r) => r.expand(expand).top(limit), cursor);
    return { items: page.items.map(toItem), nextCursor: page.nextCursor };
  },
});

export const sharepointCreateItem = defineTool({
  name: 'sharepoint_create_item',
  title: 'Create a SharePoint list item',
  description: 'Adds an item to a SharePoint list with the given column values (column names as in sharepoint_list_items, e.g. Title).',
  input: z.object({ siteId, list, fields }),
  output: itemOut,
  annotations: WRITES,
  scopes: { graph: ['Sites.ReadWrite.All'] },
  async handler({ siteId, list, fields }, ctx) {
    const created = (await ctx.graph.api(`/sites/${segment(siteId)}/lists/${segment(list)}/items`).post({ fields })) as ListItemJson;
    return toItem(created);
  },
});

export const sharepointUpdateItem = defineTool({
  name: 'sharepoint_update_item',
  title: 'Update a SharePoint list item',
  description: 'Changes column values of one SharePoint list item; the old values are overwritten.',
  input: z.object({ siteId, list, itemId: z.string().min(1).max(20), fields }),
  output: z.object({ id: z.string(), fields: z.record(z.string(), z.unknown()) }),
  annotations: DESTRUCTIVE,
  scopes: { graph: ['Sites.ReadWrite.All'] },
  async handler({ siteId, list, itemId, fields }, ctx) {
    const updated = (await ctx.graph.api(`/sites/${segment(siteId)}/lists/${segment(list)}/items/${segment(itemId)}/fields`).patch(fields)) as Record<string, unknown>;
    return { id: itemId, fields: toItem({ id: itemId, fields: updated }).fields };
  },
});

export const sharepointPack = [sharepointFindSites, sharepointListItems, sharepointCreateItem, sharepointUpdateItem];
