/**
 * Helpers for tools, used by the bundled packs and open to anyone's tools alike: annotation presets,
 * Graph paging with a cursor that cannot leave its list, size caps for text and downloads.
 */
import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import { ToolError, type ToolAnnotations } from './define.ts';

/** Reads only; calling it twice changes nothing (`mcp-obo test` calls these). */
export const READ_ONLY: ToolAnnotations = Object.freeze({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true });
/** Creates or changes something, without destroying anything. */
export const WRITES: ToolAnnotations = Object.freeze({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true });
/** Does something that cannot be taken back (sends mail, runs a pipeline, overwrites a value). */
export const DESTRUCTIVE: ToolAnnotations = Object.freeze({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true });

/** At most `max` characters of `text`, and whether anything was cut. */
export function truncate(text: string | null | undefined, max: number): { text: string; truncated: boolean } {
  const t = text ?? '';
  return t.length > max ? { text: `${t.slice(0, max)}…`, truncated: true } : { text: t, truncated: false };
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/**
 * One page of a Graph collection. `first` builds the request (with `$top`, `$select`, filters);
 * a cursor is Graph's own `@odata.nextLink`, accepted only for the same collection (`path`).
 */
export async function graphPage<T>(graph: { api(path: string): GraphRequest }, path: string, first: (req: GraphRequest) => GraphRequest, cursor?: string | null): Promise<Page<T>> {
  let request: GraphRequest;
  if (cursor) {
    let url: URL;
    try {
      url = new URL(cursor);
    } catch {
      throw new ToolError('The cursor is not one this tool returned; call it again without a cursor.');
    }
    // The link must continue this list (its path after the version segment), nothing else.
    if (url.pathname.replace(/^\/(v1\.0|beta)/, '').toLowerCase() !== path.toLowerCase()) {
      throw new ToolError('The cursor belongs to another list; call the tool again without a cursor.');
    }
    request = graph.api(url.href);
  } else {
    request = first(graph.api(path));
  }
  const page = (await request.get()) as { value?: T[]; '@odata.nextLink'?: string };
  return { items: page.value ?? [], nextCursor: page['@odata.nextLink'] ?? null };
}

/**
 * The body of a download, read up to `maxBytes` (the rest is not downloaded), and whether it was cut.
 * For files whose size is not known in advance.
 */
export async function readCapped(response: Response, maxBytes: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return { bytes: Buffer.alloc(0), truncated: false };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), truncated: false };
    const room = maxBytes - size;
    if (value.byteLength > room) {
      chunks.push(Buffer.from(value.subarray(0, room)));
      await reader.cancel();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(Buffer.from(value));
    size += value.byteLength;
  }
}
