import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileCacheDir, type CacheFs } from '../../src/cli/compile-cache.ts';

const UID = 1000;
type Entry = { dir?: boolean; link?: boolean; uid?: number; mode?: number };

/** A file system of folders with owners and modes; mkdir creates what is missing, like mkdir -p. */
function fakeFs(entries: Record<string, Entry>): CacheFs & { made: string[] } {
  const made: string[] = [];
  const get = (p: string) => {
    const e = entries[p];
    if (!e) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return { isDirectory: () => e.dir ?? true, isSymbolicLink: () => e.link ?? false, uid: e.uid ?? UID, mode: e.mode ?? 0o40700 };
  };
  return {
    made,
    lstat: get,
    stat: (p) => get(p),
    mkdir: (p) => {
      const parts = p.split('/');
      for (let i = 2; i <= parts.length; i++) {
        const sub = parts.slice(0, i).join('/');
        if (!entries[sub]) {
          entries[sub] = { mode: 0o40700 };
          made.push(sub);
        }
      }
    },
  };
}

test('XDG_CACHE_HOME/mcp-obo/compile-cache, created when missing', () => {
  const fs = fakeFs({ '/x': {} });
  assert.deepEqual(compileCacheDir({ XDG_CACHE_HOME: '/x' }, UID, fs), { dir: '/x/mcp-obo/compile-cache' });
  assert.deepEqual(fs.made, ['/x/mcp-obo', '/x/mcp-obo/compile-cache']);
});

test('~/.cache when XDG_CACHE_HOME is unset or relative (the XDG spec says to ignore a relative one)', () => {
  for (const env of [{}, { XDG_CACHE_HOME: 'rel/cache' }]) {
    const fs = fakeFs({ '/home/u': {}, '/home/u/.cache': {} });
    assert.deepEqual(compileCacheDir(env, UID, fs, () => '/home/u'), { dir: '/home/u/.cache/mcp-obo/compile-cache' });
  }
});

test('no cache when our folders are links, foreign, or writable by others', () => {
  const cases: [Record<string, Entry>, RegExp][] = [
    [{ '/x': {}, '/x/mcp-obo': { link: true } }, /mcp-obo is a symbolic link/],
    [{ '/x': {}, '/x/mcp-obo': {}, '/x/mcp-obo/compile-cache': { link: true } }, /compile-cache is a symbolic link/],
    [{ '/x': {}, '/x/mcp-obo': { uid: 1001 } }, /belongs to uid 1001/],
    [{ '/x': {}, '/x/mcp-obo': {}, '/x/mcp-obo/compile-cache': { mode: 0o40770 } }, /writable by other users/],
    [{ '/x': {}, '/x/mcp-obo': { mode: 0o40757 } }, /writable by other users/],
    [{ '/x': {}, '/x/mcp-obo': { dir: false } }, /not a folder/],
  ];
  for (const [entries, reason] of cases) {
    const r = compileCacheDir({ XDG_CACHE_HOME: '/x' }, UID, fakeFs(entries));
    assert.equal(r.dir, undefined);
    assert.match((r as { reason: string }).reason, reason);
  }
});

test('the base folder: another user\'s, or writable by others without the sticky bit, is refused; /tmp-like sticky or root-owned is fine', () => {
  const at = (base: Entry) => compileCacheDir({ XDG_CACHE_HOME: '/x' }, UID, fakeFs({ '/x': base }));
  assert.match((at({ uid: 1001 }) as { reason: string }).reason, /belongs to uid 1001/);
  assert.match((at({ mode: 0o40777 }) as { reason: string }).reason, /writable by other users/);
  assert.equal(at({ uid: 0, mode: 0o41777 }).dir, '/x/mcp-obo/compile-cache');
});

test('an error (read-only home) means no cache, not a crash', () => {
  const fs: CacheFs = { lstat: () => assert.fail(), stat: () => assert.fail(), mkdir: () => { throw Object.assign(new Error('EROFS'), { code: 'EROFS' }); } };
  assert.deepEqual(compileCacheDir({ XDG_CACHE_HOME: '/x' }, UID, fs), { dir: undefined, reason: 'EROFS' });
});

test('Windows (no uid): the per-user LOCALAPPDATA', () => {
  assert.equal(compileCacheDir({ LOCALAPPDATA: '/appdata' }, undefined).dir, join('/appdata', 'mcp-obo', 'compile-cache'));
  assert.equal(compileCacheDir({}, undefined).dir, undefined);
});
