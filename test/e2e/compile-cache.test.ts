/**
 * Node's compile cache holds code the CLI loads on its next start. Node's default folder is in the
 * shared temp dir, where another local user can create it first and plant entries; mcp-obo keeps
 * it in the user's own cache folder and refuses one that someone else could have written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/serve.ts';
import { scratch } from '../helpers/cli.ts';

const isRoot = process.getuid?.() === 0;

/** A run of `--help` with its own temp and cache folders. */
async function helpWith(setup?: (dirs: { xdg: string; tmp: string }) => Promise<void>) {
  const root = await scratch();
  const tmp = join(root, 'tmp');
  const xdg = join(root, 'xdg');
  await mkdir(tmp);
  await mkdir(xdg, { mode: 0o700 });
  await setup?.({ xdg, tmp });
  const env = { PATH: process.env.PATH!, HOME: join(root, 'home'), TMPDIR: tmp, XDG_CACHE_HOME: xdg };
  const r = await runCli(['--help'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warning from Node about the cache');
  return { tmp, xdg, cache: join(xdg, 'mcp-obo', 'compile-cache') };
}

const entries = async (dir: string) => (await readdir(dir, { recursive: true }).catch(() => [] as string[])).length;

test('nothing goes to the shared temp folder, even when someone created Node\'s default cache folder there first', async () => {
  const r = await helpWith();
  assert.deepEqual(await readdir(r.tmp), [], 'no node-compile-cache in TMPDIR');
  // The folder planted by another user, world-writable, as an attacker would leave it.
  const planted = await helpWith(async ({ tmp }) => {
    const theirs = join(tmp, 'node-compile-cache');
    await mkdir(theirs);
    await chmod(theirs, 0o777);
    if (isRoot) await chown(theirs, 65534, 65534);
  });
  assert.equal(await entries(join(planted.tmp, 'node-compile-cache')), 0, 'the CLI neither wrote nor used cache entries in the planted folder');
});

test('the cache lives in XDG_CACHE_HOME/mcp-obo/compile-cache, private to the user, and is used', async () => {
  const r = await helpWith();
  const s = await stat(r.cache);
  assert.equal(s.mode & 0o777, 0o700);
  assert.equal(s.uid, process.getuid!());
  assert.equal((await stat(join(r.xdg, 'mcp-obo'))).mode & 0o777, 0o700);
  assert.ok((await entries(r.cache)) > 1, 'compiled modules were cached');
});

test('a cache folder writable by others, or a symbolic link, is not used; the CLI still runs', async () => {
  const open = await helpWith(async ({ xdg }) => {
    await mkdir(join(xdg, 'mcp-obo', 'compile-cache'), { recursive: true, mode: 0o700 });
    await chmod(join(xdg, 'mcp-obo', 'compile-cache'), 0o777);
  });
  assert.equal(await entries(open.cache), 0);

  const elsewhere = await scratch();
  const linked = await helpWith(async ({ xdg }) => {
    await mkdir(join(xdg, 'mcp-obo'), { mode: 0o700 });
    await symlink(elsewhere, join(xdg, 'mcp-obo', 'compile-cache'));
  });
  assert.equal(await entries(elsewhere), 0, 'nothing written through the link');
  assert.ok(linked);
});

test('a cache folder that belongs to another user is not used', { skip: isRoot ? false : 'needs root to give a folder to another uid' }, async () => {
  const r = await helpWith(async ({ xdg }) => {
    await mkdir(join(xdg, 'mcp-obo', 'compile-cache'), { recursive: true, mode: 0o700 });
    await chown(join(xdg, 'mcp-obo'), 65534, 65534);
  });
  assert.equal(await entries(r.cache), 0);
});
