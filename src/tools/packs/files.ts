/** The `files` pack: search OneDrive and SharePoint files, and read one as text (size-capped). */
import { z } from 'zod';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import { defineTool, ToolError } from '../define.ts';
import { readCapped, READ_ONLY, truncate } from '../helpers.ts';

/** Downloads stop here; the text returned is cut to maxChars. */
const MAX_DOWNLOAD_BYTES = 1024 * 1024;
const TEXT = /^(text\/|application\/(json|xml|x-yaml|yaml|csv|javascript|x-sh|sql)\b)|\+(json|xml)$/i;

interface DriveItemJson {
  id: string;
  name?: string;
  size?: number;
  webUrl?: string;
  lastModifiedDateTime?: string;
  file?: { mimeType?: string };
  parentReference?: { driveId?: string; siteId?: string };
}

export const filesSearch = defineTool({
  name: 'files_search',
  title: 'Search files',
  description: 'Searches OneDrive and SharePoint files the signed-in user can open, by name and content. Returns driveId and itemId to read one with files_read_text.',
  input: z.object({ query: z.string().min(1).max(200), limit: z.number().int().min(1).max(25).default(10), from: z.number().int().min(0).max(1000).default(0).describe('skip this many results (nextFrom of the previous call)') }),
  output: z.object({
    files: z.array(z.object({ name: z.string(), driveId: z.string(), itemId: z.string(), webUrl: z.string(), size: z.number(), mimeType: z.string(), lastModified: z.string() })),
    total: z.number(),
    nextFrom: z.number().nullable(),
  }),
  annotations: READ_ONLY,
  testInput: { query: 'report', limit: 1 },
  // Microsoft Search over driveItems needs both (learn.microsoft.com/graph/search-concept-files).
  scopes: { graph: ['Files.Read.All', 'Sites.Read.All'] },
  async handler({ query, limit, from }, ctx) {
    const res = (await ctx.graph.api('/search/query').post({ requests: [{ entityTypes: ['driveItem'], query: { queryString: query }, from, size: limit }] })) as {
      value?: { hitsContainers?: { hits?: { resource?: DriveItemJson }[]; total?: number; moreResultsAvailable?: boolean }[] }[];
    };
    const container = res.value?.[0]?.hitsContainers?.[0];
    const files = (container?.hits ?? []).map((h) => h.resource).filter((r): r is DriveItemJson => Boolean(r?.id && r.parentReference?.driveId)).map((r) => ({
      name: r.name ?? '', driveId: r.parentReference!.driveId!, itemId: r.id, webUrl: r.webUrl ?? '', size: r.size ?? 0, mimeType: r.file?.mimeType ?? '', lastModified: r.lastModifiedDateTime ?? '',
    }));
    return { files, total: container?.total ?? files.length, nextFrom: container?.moreResultsAvailable ? from + limit : null };
  },
});

export const filesReadText = defineTool({
  name: 'files_read_text',
  title: 'Read a file as text',
  description: 'Reads a text file (txt, md, csv, json, xml, …) from OneDrive or SharePoint by driveId and itemId (from files_search). Long files are cut at maxChars.',
  input: z.object({ driveId: z.string().min(1).max(200), itemId: z.string().min(1).max(200), maxChars: z.number().int().min(100).max(100_000).default(20_000) }),
  output: z.object({ name: z.string(), mimeType: z.string(), size: z.number(), text: z.string(), truncated: z.boolean(), webUrl: z.string() }),
  annotations: READ_ONLY,
  scopes: { graph: ['Files.Read.All'] },
  async handler({ driveId, itemId, maxChars }, ctx) {
    const path = `/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(itemId)}`;
    const item = (await ctx.graph.api(path).select(['id', 'name', 'size', 'file', 'webUrl']).get()) as DriveItemJson;
    const mimeType = item.file?.mimeType ?? '';
    if (!item.file) throw new ToolError(`${item.name ?? itemId} is a folder, not a file.`);
    if (!TEXT.test(mimeType)) throw new ToolError(`${item.name} is ${mimeType || 'not a text file'}; only text files (txt, md, csv, json, xml, …) can be read as text.`);
    // Graph answers /content with a redirect to a pre-authenticated download URL, which fetch follows.
    const res = (await ctx.graph.api(`${path}/content`).responseType(ResponseType.RAW).get()) as Response;
    if (!res.ok) throw new ToolError(`The download of ${item.name} failed (HTTP ${res.status}); try again.`, { retryable: res.status >= 500 });
    const { bytes, truncated: cut } = await readCapped(res, MAX_DOWNLOAD_BYTES);
    const text = truncate(bytes.toString('utf8'), maxChars);
    return { name: item.name ?? '', mimeType, size: item.size ?? bytes.length, text: text.text, truncated: cut || text.truncated, webUrl: item.webUrl ?? '' };
  },
});

export const filesPack = [filesSearch, filesReadText];
