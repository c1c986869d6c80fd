/**
 * Where Node's compile cache may live. Node's default (NODE_COMPILE_CACHE unset) is a folder in
 * the shared temp dir that any local user can create first and fill with forged entries, which the
 * next run would load as code, with the user's Azure sign-in. So the cache lives in the user's own
 * cache folder (XDG_CACHE_HOME, else ~/.cache), created 0700 and checked before every use: a folder
 * that is a symbolic link, belongs to another user or is writable by others means no cache at all.
 * Loaded by bin/mcp-obo before anything else: node:fs and node:os only, synchronous, a few syscalls.
 */
import { lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface CacheFs {
  lstat(path: string): Pick<Stats, 'isDirectory' | 'isSymbolicLink' | 'uid' | 'mode'>;
  stat(path: string): Pick<Stats, 'isDirectory' | 'uid' | 'mode'>;
  mkdir(path: string): void;
}

const realFs: CacheFs = {
  lstat: (p) => lstatSync(p),
  stat: (p) => statSync(p),
  mkdir: (p) => void mkdirSync(p, { recursive: true, mode: 0o700 }),
};

export type CacheDecision = { dir: string } | { dir: undefined; reason: string };

const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

/** The folder to hand to module.enableCompileCache, or why there is none. */
export function compileCacheDir(env: Readonly<Record<string, string | undefined>>, uid: number | undefined, fs: CacheFs = realFs, home: () => string = homedir): CacheDecision {
  // Windows has no uids; its per-user profile folder is private by ACL.
  if (uid === undefined) {
    const base = env.LOCALAPPDATA;
    return base && isAbsolute(base) ? { dir: join(base, 'mcp-obo', 'compile-cache') } : { dir: undefined, reason: 'LOCALAPPDATA is not set' };
  }
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home(), '.cache');
  const ours = join(base, 'mcp-obo');
  const dir = join(ours, 'compile-cache');
  try {
    fs.mkdir(dir);
    // The base may be a link (a cache on another disk), but nobody else may rename our folder in it.
    const b = fs.stat(base);
    if (!b.isDirectory()) return { dir: undefined, reason: `${base} is not a folder` };
    if (b.uid !== uid && b.uid !== 0) return { dir: undefined, reason: `${base} belongs to uid ${b.uid}` };
    if (b.mode & WRITABLE_BY_OTHERS && !(b.mode & STICKY)) return { dir: undefined, reason: `${base} is writable by other users` };
    for (const p of [ours, dir]) {
      const s = fs.lstat(p);
      if (s.isSymbolicLink()) return { dir: undefined, reason: `${p} is a symbolic link` };
      if (!s.isDirectory()) return { dir: undefined, reason: `${p} is not a folder` };
      if (s.uid !== uid) return { dir: undefined, reason: `${p} belongs to uid ${s.uid}` };
      if (s.mode & WRITABLE_BY_OTHERS) return { dir: undefined, reason: `${p} is writable by other users` };
    }
  } catch (err) {
    return { dir: undefined, reason: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
  return { dir };
}
