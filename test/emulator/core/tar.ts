// A build context as the Docker daemon sees it: a gzip'd (ustar/pax/GNU) tar read with node:zlib and
// a header parser, then filtered through the context's .dockerignore.
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'link';
  data: Buffer;
}

export class ArchiveError extends Error {}

const str = (b: Buffer, start: number, len: number): string => {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul === -1 ? s : s.subarray(0, nul)).toString('utf8');
};

function octal(b: Buffer, start: number, len: number): number {
  if (b[start]! & 0x80) return Number(b.readBigUInt64BE(start + len - 8)); // GNU base-256 size
  const s = str(b, start, len).trim();
  if (!/^[0-7]*$/.test(s)) throw new ArchiveError(`invalid octal field '${s}'`);
  return s === '' ? 0 : parseInt(s, 8);
}

/** `./src/a.ts` -> `src/a.ts`; `dir/` -> `dir`. */
export function normPath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/{2,}/g, '/');
}

/** Entries of a .tar.gz. Throws ArchiveError for anything that is not a well-formed gzip'd tar. */
export function readTarGz(gz: Buffer): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new ArchiveError(`gzip: invalid header (${(e as Error).message})`);
  }
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const sum = [...h].reduce((acc, x, i) => acc + (i >= 148 && i < 156 ? 32 : x), 0);
    if (sum !== octal(h, 148, 8)) throw new ArchiveError(`archive/tar: invalid tar header checksum at offset ${off}`);
    const size = octal(h, 124, 12);
    const flag = String.fromCharCode(h[156]!);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (body.length < size) throw new ArchiveError('unexpected EOF in archive');
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'L' || flag === 'x') {
      const pax = flag === 'x' ? /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1] : str(body, 0, body.length);
      longName = pax ?? longName;
      continue;
    }
    if (flag === 'g') continue;
    const magic = str(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? str(h, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    longName = undefined;
    const path = normPath(name);
    if (path === '' || path === '.') continue;
    const type = flag === '5' ? 'dir' : flag === '1' || flag === '2' ? 'link' : 'file';
    out.push({ path, type, data: Buffer.from(body) });
  }
  if (out.length === 0) throw new ArchiveError('the archive contains no files');
  return out;
}

/** A .dockerignore / COPY source pattern as a regular expression over slash-separated paths. */
export function globRe(pattern: string): RegExp {
  let re = '';
  const p = normPath(pattern);
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      re += '.*';
      i += p[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** What COPY/ADD can see after .dockerignore (the last matching rule wins; a match on a parent directory counts). */
export function applyDockerignore(entries: TarEntry[]): TarEntry[] {
  const ignore = entries.find((e) => e.path === '.dockerignore');
  if (!ignore) return entries;
  const rules = ignore.data.toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l.startsWith('!') ? { negate: true, re: globRe(l.slice(1)) } : { negate: false, re: globRe(l) }));
  const ignored = (path: string): boolean => {
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let out = false;
    for (const r of rules) if (candidates.some((c) => r.re.test(c))) out = !r.negate;
    return out;
  };
  return entries.filter((e) => !ignored(e.path));
}

/** Does a COPY/ADD source exist in the context (a file, a directory, or a glob matching something)? */
export function contextHas(entries: TarEntry[], source: string): boolean {
  const s = normPath(source);
  if (s === '' || s === '.') return entries.length > 0;
  if (/[*?]/.test(s)) {
    const re = globRe(s);
    return entries.some((e) => re.test(e.path));
  }
  return entries.some((e) => e.path === s || e.path.startsWith(`${s}/`));
}
