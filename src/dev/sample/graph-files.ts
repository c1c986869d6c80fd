/**
 * Files in the sample Graph: Microsoft Search over OneDrive and SharePoint (POST /search/query
 * with entityTypes driveItem, which needs Files.Read.All and Sites.Read.All), a drive item's
 * metadata, and its content: a 302 to a short-lived pre-authenticated download URL on another
 * path, answered without a token (learn.microsoft.com/graph/api/driveitem-get-content).
 */
import { randomBytes } from 'node:crypto';
import { json, type SampleResponse } from './http.ts';
import { badRequest, matchesSearch, notFound, requireScope, select, type Route } from './odata.ts';
import type { DriveItem, SampleTenant } from './tenant.ts';

const READ_ITEM = ['Files.Read', 'Files.Read.All', 'Files.ReadWrite', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'];

function itemJson(i: DriveItem): Record<string, unknown> {
  return {
    id: i.id, name: i.name, size: i.content.length, webUrl: i.webUrl, lastModifiedDateTime: i.lastModifiedDateTime, createdDateTime: i.lastModifiedDateTime,
    file: { mimeType: i.mimeType }, parentReference: { driveId: i.driveId, ...(i.siteId ? { siteId: i.siteId } : {}), driveType: i.siteId ? 'documentLibrary' : 'business' },
  };
}

/** Pre-authenticated download URLs: random, valid for a few minutes, served without a token. */
export class Downloads {
  private readonly links = new Map<string, { item: DriveItem; expires: number }>();

  issue(item: DriveItem, now: number): string {
    for (const [k, v] of this.links) if (v.expires < now) this.links.delete(k);
    const token = randomBytes(24).toString('base64url');
    this.links.set(token, { item, expires: now + 5 * 60_000 });
    return token;
  }

  /** GET {base}/_download/{token}. */
  serve(token: string, now: number): SampleResponse {
    const link = this.links.get(token);
    if (!link || link.expires < now) return { status: 401, json: { error: { code: 'unauthenticated', message: 'The download link has expired.' } } };
    return { status: 200, bytes: link.item.content, headers: { 'content-type': link.item.mimeType, 'content-length': String(link.item.content.length) } };
  }
}

export function fileRoutes(tenant: SampleTenant, base: string, downloads: Downloads): Route[] {
  const visible = (oid: string): DriveItem[] => [...tenant.drive(oid), ...tenant.sites().flatMap((s) => s.files)];
  const find = (oid: string, driveId: string, itemId: string) => {
    const item = visible(oid).find((i) => i.driveId === driveId && i.id === itemId);
    if (!item) throw notFound('itemNotFound', 'The resource could not be found.');
    return item;
  };
  return [
    {
      method: 'POST',
      re: /^\/v1\.0\/search\/query$/i,
      handle(_m, req, caller) {
        const body = req.json() as { requests?: { entityTypes?: unknown; query?: { queryString?: unknown }; from?: unknown; size?: unknown }[] } | undefined;
        const r = body?.requests?.[0];
        if (!r || body!.requests!.length !== 1) throw badRequest('The sample tenant answers exactly one search request at a time.', 'BadRequest');
        if (!Array.isArray(r.entityTypes) || r.entityTypes.length !== 1 || r.entityTypes[0] !== 'driveItem') throw badRequest('The sample tenant searches driveItem only.', 'BadRequest');
        requireScope(caller, ['Files.Read.All', 'Files.ReadWrite.All']);
        requireScope(caller, ['Sites.Read.All', 'Sites.ReadWrite.All']);
        const q = r.query?.queryString;
        if (typeof q !== 'string' || !q.trim()) throw badRequest('queryString is required.', 'BadRequest');
        const from = Number(r.from ?? 0);
        const size = Number(r.size ?? 25);
        if (!Number.isInteger(size) || size < 1 || size > 500 || !Number.isInteger(from) || from < 0) throw badRequest('size must be 1 to 500 and from at least 0.', 'BadRequest');
        const all = visible(caller.oid).filter((i) => matchesSearch(q, [i.name, i.mimeType.startsWith('text/') ? i.content.toString('utf8', 0, 4096) : '']));
        const hits = all.slice(from, from + size).map((i, n) => ({ hitId: i.id, rank: from + n + 1, summary: i.name, resource: { '@odata.type': '#microsoft.graph.driveItem', ...itemJson(i) } }));
        return json(200, { value: [{ searchTerms: q.split(/\s+/).filter(Boolean), hitsContainers: [{ hits, total: all.length, moreResultsAvailable: from + size < all.length }] }] });
      },
    },
    {
      method: 'GET',
      re: /^\/v1\.0\/drives\/([^/]+)\/items\/([^/]+)$/i,
      handle(m, req, caller) {
        requireScope(caller, READ_ITEM);
        return json(200, select(req, 'driveItem', itemJson(find(caller.oid, m[0]!, m[1]!))));
      },
    },
    {
      method: 'GET',
      re: /^\/v1\.0\/drives\/([^/]+)\/items\/([^/]+)\/content$/i,
      handle(m, _req, caller) {
        requireScope(caller, READ_ITEM);
        const item = find(caller.oid, m[0]!, m[1]!);
        return { status: 302, headers: { location: `${base}/_download/${downloads.issue(item, tenant.clock())}` } };
      },
    },
  ];
}
