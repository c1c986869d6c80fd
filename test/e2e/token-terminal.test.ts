/**
 * `mcp-obo token` on a real terminal (a pseudo-terminal from util-linux `script`): a token printed
 * to the screen stays in the scrollback, so it is printed only into a capture or with --raw.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { BIN } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch } from '../helpers/cli.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;

before(async () => {
  emu = await startEmulator();
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'tk01' }, env);
  // Only the app registration matters to `token`: the emulator's server app stands in for a provisioned one.
  const d = await deploymentFile(cwd);
  d.resources.application = { objectId: randomUUID(), appId: emu.serverApp.clientId, displayName: 'MCP OAuth2 OBO Server (e2e-dev-tk01)', scopeId: randomUUID() };
  await writeFile(join(cwd, 'mcp-obo.e2e-dev.json'), JSON.stringify(d, null, 2));
});
after(() => emu?.close());

const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
const cli = (...args: string[]) => [process.execPath, BIN, ...args].map(quote).join(' ');

/** Runs a shell command line on a pseudo-terminal; returns the exit code and everything the terminal showed. */
async function onTerminal(commandLine: string, extra: Record<string, string> = {}) {
  const proc = spawn('script', ['-qfec', commandLine, '/dev/null'], { cwd, env: { ...env, TERM: 'xterm', ...extra }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, out };
}

const mints = () => emu.requests.filter((r) => r.path === '/_emulator/mint').length;

test('on a terminal, `mcp-obo token` does not print the token (exit 2) and says how to capture it, before signing in', async () => {
  const before = mints();
  const r = await onTerminal(cli('token'));
  assert.equal(r.code, 2, r.out);
  assert.doesNotMatch(r.out, /eyJ/);
  assert.match(r.out, /not printing a token to the terminal/);
  assert.match(r.out, /TOKEN=\$\(mcp-obo token\)/);
  assert.match(r.out, /--raw/);
  assert.equal(mints(), before, 'no token was even requested');
});

test('on a terminal, --raw prints it and --decode prints only the claims', async () => {
  const raw = await onTerminal(cli('token', '--raw'));
  assert.equal(raw.code, 0, raw.out);
  assert.match(raw.out, /eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  const decoded = await onTerminal(cli('token', '--decode'));
  assert.equal(decoded.code, 0, decoded.out);
  assert.match(decoded.out, new RegExp(`"audience": "${emu.serverApp.clientId}"`));
  assert.doesNotMatch(decoded.out, /eyJ/);
});

test('TOKEN=$(mcp-obo token) typed on a terminal captures the token (stdout is not the terminal)', async () => {
  const r = await onTerminal(`bash -c ${quote(`TOKEN=$(${cli('token')}); echo "parts=$(echo "$TOKEN" | tr . '\\n' | wc -l) start=\${TOKEN:0:3}"`)}`);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /parts=3 start=eyJ/);
  assert.equal((r.out.match(/eyJ/g) ?? []).length, 1, 'only our echo of its first characters reached the screen');
});

test('on a terminal without an Azure CLI login, a device code is started (someone can enter it); with CI set it is not', async () => {
  const r = await onTerminal(cli('token', '--decode'), { MCP_OBO_FAKE_AZ: 'logged-out' });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /enter the code [A-Z0-9]+ to authenticate/);
  assert.match(r.out, new RegExp(`"audience": "${emu.serverApp.clientId}"`));
  const ci = await onTerminal(cli('token', '--decode'), { MCP_OBO_FAKE_AZ: 'logged-out', CI: 'true' });
  assert.equal(ci.code, 1, ci.out);
  assert.match(ci.out, /not signed in as a user/);
  assert.doesNotMatch(ci.out, /enter the code/);
});

test('on a terminal, --curl prints commands that read $TOKEN, set by one command substitution; no token anywhere', async () => {
  const before = mints();
  const r = await onTerminal(cli('token', '--curl'));
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /eyJ/);
  assert.equal((r.out.match(/TOKEN=\$\(mcp-obo token --deployment e2e-dev\)/g) ?? []).length, 1);
  assert.equal((r.out.match(/"Authorization: Bearer \$TOKEN"/g) ?? []).length, 3);
  assert.match(r.out, /curl -s http:\/\/localhost:8000\/mcp /, 'not deployed: the local server');
  assert.equal(mints(), before, 'printing the commands needs no token');
  const bad = await onTerminal(cli('token', '--curl', '--raw'));
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--curl and --raw cannot be combined/);
});
