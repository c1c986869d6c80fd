/**
 * The atomic writer that every file mcp-obo writes goes through, .env.local (the client secret)
 * included: it must never write through a name someone else planted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/state/store.ts';
import { updateEnvFile } from '../../src/state/env-local.ts';
import { UsageError } from '../../src/errors.ts';

const SECRET = 'AZURE_CLIENT_SECRET=s3cr3t-value';

test('planted links at the temp names cannot catch the secret (the old temp name was path.pid.time.tmp)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-store-'));
  const theirs = join(dir, 'attacker-readable.txt');
  await writeFile(theirs, 'mine\n');
  const target = join(dir, '.env.local');
  // Every name the old writer could pick in the next few seconds, each a link to the attacker's file.
  const now = Date.now();
  for (let t = now - 50; t < now + 3000; t++) await symlink(theirs, `${target}.${process.pid}.${t}.tmp`);
  await writeFileAtomic(target, `${SECRET}\n`, 0o600);
  assert.equal(await readFile(theirs, 'utf8'), 'mine\n', 'nothing written into the linked file');
  assert.ok((await lstat(target)).isFile(), 'the target is a regular file, not one of the links');
  assert.equal(await readFile(target, 'utf8'), `${SECRET}\n`);
  assert.equal((await stat(target)).mode & 0o777, 0o600);
});

test('a link at the target is refused: nothing is written through it or read from it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-store-'));
  const theirs = join(dir, 'elsewhere.env');
  await writeFile(theirs, 'THEIR_SETTING=1\n');
  const target = join(dir, '.env.local');
  await symlink(theirs, target);
  await assert.rejects(updateEnvFile(target, { AZURE_CLIENT_SECRET: 's3cr3t' }, '# header'), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /refusing to write .*\.env\.local: it is a symbolic link \(to .*elsewhere\.env\)/);
    assert.match(err.suggestion ?? '', /rm /);
    return true;
  });
  assert.equal(await readFile(theirs, 'utf8'), 'THEIR_SETTING=1\n');
  assert.ok((await lstat(target)).isSymbolicLink(), 'the link is left as it was');
  assert.deepEqual((await readdir(dir)).sort(), ['.env.local', 'elsewhere.env'], 'no temp file left behind');
});

test('an existing env file with a looser mode becomes 0600; other variables are kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-store-'));
  const target = join(dir, '.env.local');
  await writeFile(target, 'MINE=keep\n', { mode: 0o644 });
  await updateEnvFile(target, { AZURE_CLIENT_SECRET: 's3cr3t' }, '# header');
  assert.equal((await stat(target)).mode & 0o777, 0o600);
  assert.match(await readFile(target, 'utf8'), /MINE=keep\nAZURE_CLIENT_SECRET=s3cr3t/);
  assert.deepEqual(await readdir(dir), ['.env.local']);
});
