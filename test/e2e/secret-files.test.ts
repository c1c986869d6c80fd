/** The one file that holds a secret, .env.local, is never written through a link someone left there. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, init, scratch, writes } from '../helpers/cli.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.close());

test('provision refuses a symbolic link at the env file before creating anything; the link and its target are untouched', async () => {
  const cwd = await scratch();
  const env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'sl01' }, env);
  const theirs = join(await scratch(), 'collected.env');
  await writeFile(theirs, 'THEIRS=1\n');
  await symlink(theirs, join(cwd, '.env.e2e-dev.local'));
  emu.requests.length = 0;
  const r = await runCli(['provision'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /refusing to write .*\.env\.e2e-dev\.local: it is a symbolic link \(to .*collected\.env\)/);
  assert.deepEqual(writes(emu.requests), [], 'nothing created in Azure or Entra');
  assert.equal(await readFile(theirs, 'utf8'), 'THEIRS=1\n');
  assert.ok((await lstat(join(cwd, '.env.e2e-dev.local'))).isSymbolicLink());
  // A dry run writes no file, so the link does not stop it.
  const dry = await runCli(['provision', '--dry-run'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(dry.code, 0, dry.stderr);
});
