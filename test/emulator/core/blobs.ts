// Azure Blob Storage state behind the emulator's `/_blob/<account>/<path>` URLs: blobs, their metadata,
// and the SAS signatures handed out for them (one signature per blob, with its permissions).
import { createHash, randomBytes } from 'node:crypto';

export interface Blob {
  data: Buffer;
  type: 'BlockBlob' | 'AppendBlob';
  contentType: string;
  /** x-ms-meta-* headers (names as set, compared case-insensitively). */
  metadata: Record<string, string>;
  etag: string;
  lastModified: Date;
  created: Date;
  /** Get Blob requests served so far (a writer can wait for a reader to see a partial append). */
  reads: number;
}

export interface Sas {
  sig: string;
  /** Storage SAS permission letters: r(ead) c(reate) w(rite) a(dd). */
  perms: string;
  expiresAt: number;
}

export type SasCheck = 'ok' | 'missing' | 'mismatch' | 'expired' | 'permission';

export const BLOB_VERSION = '2021-08-06';
const lc = (s: string): string => s.toLowerCase();
const etag = (): string => `"0x8D${randomBytes(7).toString('hex').toUpperCase()}"`;

export class BlobStore {
  /** https://127.0.0.1:<port> */
  readonly base: string;
  readonly #blobs = new Map<string, Blob>();
  readonly #sas = new Map<string, Sas>();

  constructor(base: string) {
    this.base = base;
  }

  /** A SAS URL for `<account>/<path>` valid for `ttlMs` (the blob need not exist yet, as for an upload URL). */
  issue(account: string, path: string, perms: string, ttlMs = 3600_000): string {
    const key = `${lc(account)}/${path}`;
    const expiresAt = Date.now() + ttlMs;
    const sas = this.#sas.get(key) ?? { sig: randomBytes(32).toString('base64'), perms, expiresAt };
    sas.perms = [...new Set(sas.perms + perms)].join('');
    sas.expiresAt = Math.max(sas.expiresAt, expiresAt);
    this.#sas.set(key, sas);
    const se = new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const q = `sv=${BLOB_VERSION}&se=${encodeURIComponent(se)}&sr=b&sp=${perms}&sig=${encodeURIComponent(sas.sig)}`;
    return `${this.base}/_blob/${lc(account)}/${path}?${q}`;
  }

  /** Check a request's `sig` (and `sp` permission) against the SAS issued for the blob. */
  check(account: string, path: string, sig: string | null, perm: string): SasCheck {
    if (sig === null || sig === '') return 'missing';
    const sas = this.#sas.get(`${lc(account)}/${path}`);
    if (!sas || sas.sig !== sig) return 'mismatch';
    if (sas.expiresAt < Date.now()) return 'expired';
    return sas.perms.includes(perm) ? 'ok' : 'permission';
  }

  get(account: string, path: string): Blob | undefined {
    return this.#blobs.get(`${lc(account)}/${path}`);
  }

  /** Put Blob (BlockBlob): replaces the content and metadata. */
  putBlock(account: string, path: string, data: Buffer, contentType: string, metadata: Record<string, string> = {}): Blob {
    const old = this.get(account, path);
    const now = new Date();
    const blob: Blob = { data, type: 'BlockBlob', contentType, metadata, etag: etag(), lastModified: now, created: old?.created ?? now, reads: 0 };
    this.#blobs.set(`${lc(account)}/${path}`, blob);
    return blob;
  }

  /** Create an empty append blob (the run log before its first line). */
  createAppend(account: string, path: string, contentType = 'text/plain; charset=utf-8'): Blob {
    const now = new Date();
    const blob: Blob = { data: Buffer.alloc(0), type: 'AppendBlob', contentType, metadata: {}, etag: etag(), lastModified: now, created: now, reads: 0 };
    this.#blobs.set(`${lc(account)}/${path}`, blob);
    return blob;
  }

  append(account: string, path: string, data: string | Buffer): void {
    const blob = this.get(account, path);
    if (!blob || blob.type !== 'AppendBlob') throw new RangeError(`no append blob ${account}/${path}`);
    blob.data = Buffer.concat([blob.data, typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
    blob.etag = etag();
    blob.lastModified = new Date();
  }

  setMetadata(account: string, path: string, metadata: Record<string, string>): void {
    const blob = this.get(account, path);
    if (!blob) throw new RangeError(`no blob ${account}/${path}`);
    blob.metadata = { ...blob.metadata, ...metadata };
    blob.etag = etag();
  }

  /** Remove every blob and SAS under `<account>/<prefix>`. */
  removePrefix(account: string, prefix: string): void {
    const p = `${lc(account)}/${prefix}`;
    for (const k of [...this.#blobs.keys()]) if (k.startsWith(p)) this.#blobs.delete(k);
    for (const k of [...this.#sas.keys()]) if (k.startsWith(p)) this.#sas.delete(k);
  }

  static md5(data: Buffer): string {
    return createHash('md5').update(data).digest('base64');
  }
}
