// Azure Blob Storage data plane on `/_blob/<account>/<path>?<SAS>`: Put Blob (BlockBlob), Get Blob with
// Range, Get Blob Properties (HEAD) with x-ms-meta-* — what ACR Tasks' source upload and run logs use.
import { type Ctx, guid, header, send } from '../core/http.ts';
import type { Router } from '../core/router.ts';
import { BLOB_VERSION, BlobStore, type SasCheck } from '../core/blobs.ts';

export const BLOB_PATH = /^\/_blob\/([a-z0-9]{3,24})\/(.+)$/;

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const storageTime = (d = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');

/** Storage's XML error envelope (also used for fault rules on /_blob/ paths). */
export function storageErrorXml(code: string, message: string, extra: Record<string, string> = {}, requestId = guid()): string {
  const more = Object.entries(extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
  return `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}\nRequestId:${requestId}\nTime:${storageTime()}</Message>${more}</Error>`;
}

function baseHeaders(requestId: string): Record<string, string> {
  return { 'x-ms-request-id': requestId, 'x-ms-version': BLOB_VERSION, date: new Date().toUTCString(), server: 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0' };
}

function fail(ctx: Ctx, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const rid = guid();
  send(ctx, status, storageErrorXml(code, message, extra, rid), { ...baseHeaders(rid), 'content-type': 'application/xml', 'x-ms-error-code': code });
}

/** 403s of a SAS that does not authorise the request; true when it was answered. */
function denied(ctx: Ctx, check: SasCheck, blobPath: string): boolean {
  if (check === 'ok') return false;
  if (check === 'permission') {
    fail(ctx, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
    return true;
  }
  const detail = check === 'missing' ? 'sig is mandatory. Signature fields not well formed.'
    : check === 'expired' ? `Signed expiry time [${ctx.query.get('se') ?? ''}] must be after signed start time [${new Date().toUTCString()}]`
    : `Signature did not match. String to sign used was ${ctx.query.get('sp') ?? ''}\n\n${ctx.query.get('se') ?? ''}\n/blob/${blobPath}\n\n\n\n${ctx.query.get('sv') ?? ''}\nb\n\n\n\n\n\n`;
  fail(ctx, 403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.', { AuthenticationErrorDetail: detail });
  return true;
}

function putBlob(blobs: BlobStore, ctx: Ctx): void {
  const [account, path] = [ctx.params[0]!, ctx.params[1]!];
  if (denied(ctx, blobs.check(account, path, ctx.query.get('sig'), 'w'), `${account}/${path}`)) return;
  const type = header(ctx, 'x-ms-blob-type');
  if (type === undefined) return fail(ctx, 400, 'MissingRequiredHeader', "An HTTP header that's mandatory for this request is not specified.", { HeaderName: 'x-ms-blob-type' });
  if (type !== 'BlockBlob') {
    return fail(ctx, 400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.', { HeaderName: 'x-ms-blob-type', HeaderValue: type });
  }
  if (header(ctx, 'content-length') === undefined) return fail(ctx, 411, 'MissingContentLengthHeader', 'Content-Length HTTP header is missing.');
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.headers)) if (k.startsWith('x-ms-meta-') && typeof v === 'string') metadata[k.slice(10)] = v;
  const contentType = header(ctx, 'x-ms-blob-content-type') ?? header(ctx, 'content-type') ?? 'application/octet-stream';
  const blob = blobs.putBlock(account, path, ctx.rawBody, contentType, metadata);
  const rid = guid();
  send(ctx, 201, '', {
    ...baseHeaders(rid), etag: blob.etag, 'last-modified': blob.lastModified.toUTCString(), 'content-md5': BlobStore.md5(blob.data), 'x-ms-request-server-encrypted': 'true',
  });
}

function getBlob(blobs: BlobStore, ctx: Ctx): void {
  const [account, path] = [ctx.params[0]!, ctx.params[1]!];
  if (denied(ctx, blobs.check(account, path, ctx.query.get('sig'), 'r'), `${account}/${path}`)) return;
  const blob = blobs.get(account, path);
  if (!blob) return fail(ctx, 404, 'BlobNotFound', 'The specified blob does not exist.');
  if (ctx.method === 'GET') blob.reads++;
  const rid = guid();
  const size = blob.data.length;
  const h: Record<string, string> = {
    ...baseHeaders(rid), 'content-type': blob.contentType, etag: blob.etag, 'last-modified': blob.lastModified.toUTCString(), 'accept-ranges': 'bytes',
    'x-ms-blob-type': blob.type, 'x-ms-creation-time': blob.created.toUTCString(), 'x-ms-lease-status': 'unlocked', 'x-ms-lease-state': 'available', 'x-ms-server-encrypted': 'true',
  };
  if (blob.type === 'AppendBlob') h['x-ms-blob-committed-block-count'] = String(blob.data.length === 0 ? 0 : 1);
  for (const [k, v] of Object.entries(blob.metadata)) h[`x-ms-meta-${k}`] = v;
  const range = header(ctx, 'x-ms-range') ?? header(ctx, 'range');
  const m = range === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  if (m) {
    const from = Number(m[1]);
    const to = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (from >= size || to < from) {
      return fail(ctx, 416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
    }
    const part = blob.data.subarray(from, to + 1);
    return send(ctx, 206, part, { ...h, 'content-range': `bytes ${from}-${to}/${size}`, 'content-length': String(part.length) });
  }
  send(ctx, 200, blob.data, { ...h, 'content-length': String(size), 'content-md5': BlobStore.md5(blob.data) });
}

export function registerBlob(router: Router, blobs: BlobStore): void {
  router.on('PUT', BLOB_PATH, (ctx) => putBlob(blobs, ctx));
  router.get(BLOB_PATH, (ctx) => getBlob(blobs, ctx));
  router.on('HEAD', BLOB_PATH, (ctx) => getBlob(blobs, ctx));
}
