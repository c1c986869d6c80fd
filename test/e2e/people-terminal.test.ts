/**
 * The same paths on a real terminal (a pseudo-terminal from util-linux `script`): init beside other
 * deployments asks only what they do not say; `test` as a user outside the users group names the
 * group and the command, which then lets `test` pass as them; a refused device-code sign-in shows
 * its AADSTS code; init --force refuses to forget resources without asking anything; serve's
 * warning about a deployer's AZURE_CLIENT_ID is on screen; show prints the group by its name.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emulator } from '../emulator/index.ts';
import { BIN, type ServeProcess } from '../helpers/serve.ts';
import { deploymentFile, init, runSuggested, scratch, suggestedCommands } from '../helpers/cli.ts';
import { provisioned, type Provisioned } from '../helpers/provisioned.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
let serve: ServeProcess;

let setup: Provisioned;
before(async () => {
  setup = await provisioned({ id: 'pt01', serve: true });
  ({ emu, cwd, env } = setup);
  serve = setup.serve!;
});
after(() => setup?.close());

const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, ''); // eslint-disable-line no-control-regex -- ANSI from the prompts

/** Runs the CLI in a pseudo-terminal, answering each question once its text is the last thing on screen. */
async function onTerminal(args: string[], extraEnv: Record<string, string> = {}, answers: [RegExp, string][] = [], where = cwd) {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { cwd: where, env: { ...env, ...extraEnv, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let next = 0;
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    while (next < answers.length && answers[next]![0].test(plain(out).slice(-400))) {
      proc.stdin.write(answers[next]![1]);
      next++;
    }
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, out: plain(out), asked: next };
}

test('show on a terminal: the users group by its name, the steps, portal links', async () => {
  const r = await onTerminal(['show']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /users group\s+MCP OAuth2 OBO Server Users \(e2e-dev-pt01\)/);
  assert.match(r.out, /✔ users group\s+done/);
  assert.match(r.out, /Azure portal:[\s\S]*https:\/\/portal\.azure\.com\/#@/);
});

test('init on a terminal beside two deployments asks only for the environment, and writes beside them', async () => {
  const dir = await scratch();
  await init(emu, dir, { id: 'ia01' }, env);
  await init(emu, dir, { id: 'ia02', env: 'stg' }, env);
  const r = await onTerminal(['init', '--id', 'ia03'], {}, [[/Environment/, 'prd\r']], dir);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.asked, 1);
  assert.doesNotMatch(r.out, /Subscription|Region|Prefix/);
  assert.match(r.out, /tenant, subscription, region, prefix from mcp-obo\.e2e-dev\.json, mcp-obo\.e2e-stg\.json/);
  const d = JSON.parse(await readFile(join(dir, 'mcp-obo.e2e-prd.json'), 'utf8')) as { tenantId: string; subscriptionId: string; location: string; id: string };
  assert.deepEqual([d.tenantId, d.subscriptionId, d.location, d.id], [emu.tenantId, emu.subscriptionId, 'eastus', 'ia03']);
});

test('test on a terminal as a user outside the users group: the group, the command; after it, test passes as them', async () => {
  const ada = emu.addUser({ displayName: 'Ada Lovelace', userPrincipalName: 'ada.pt@contoso.example' });
  const url = serve.url.replace('127.0.0.1', 'localhost');
  const before = await onTerminal(['test', '--url', url], { MCP_OBO_FAKE_AZ_USER: ada.oid });
  assert.equal(before.code, 1, before.out);
  assert.match(before.out, /AADSTS50105/);
  assert.match(before.out, /not a member of "MCP OAuth2 OBO Server Users \(e2e-dev-pt01\)", the users group of e2e-dev/);
  const fix = suggestedCommands(before.out.replace(/\n\s+/g, ' ')).find((c) => c.startsWith('mcp-obo users add'))!;
  assert.equal(fix, 'mcp-obo users add <your sign-in name> --deployment e2e-dev');
  const add = await runSuggested(fix, { 'your sign-in name': 'ada.pt@contoso.example' }, env, { cwd, timeoutMs: 60_000 });
  assert.equal(add.code, 0, add.stderr);
  const after = await onTerminal(['test', '--url', url], { MCP_OBO_FAKE_AZ_USER: ada.oid });
  assert.equal(after.code, 0, after.out);
  assert.match(after.out, /✔ tools\/call get_user_context/);
});

test('a refused device-code sign-in on a terminal shows its AADSTS code and the fix', async () => {
  const stranger = emu.addUser({ displayName: 'Stranger', userPrincipalName: 'stranger.pt@contoso.example' });
  emu.deviceCode.autoApprove(stranger.oid);
  try {
    // No Azure CLI login: on a terminal, token falls back to a device code.
    const r = await onTerminal(['token', '--decode'], { MCP_OBO_FAKE_AZ: 'logged-out' });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /enter the code/);
    assert.match(r.out, /Entra refused the device-code sign-in .* \(AADSTS50105\)/);
    assert.match(r.out, /mcp-obo users add <your sign-in name> --deployment e2e-dev/);
    assert.doesNotMatch(r.out, /invalid_grant|az login/);
  } finally {
    emu.deviceCode.autoApprove(emu.defaultUser.oid);
  }
});

test('init --force on a terminal refuses to forget a deployment with resources, asks nothing, changes nothing', async () => {
  const before = await readFile(join(cwd, 'mcp-obo.e2e-dev.json'), 'utf8');
  const r = await onTerminal(['init', '--force', '--id', 'zz99']);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /deployment e2e-dev-pt01 has resources \(resource group rg-e2e-dev-pt01, app registration .*\): --force would forget them/);
  assert.match(r.out, /mcp-obo cleanup --deployment e2e-dev/);
  assert.equal(await readFile(join(cwd, 'mcp-obo.e2e-dev.json'), 'utf8'), before);
  assert.equal((await deploymentFile(cwd)).id, 'pt01');
});

test("serve on a terminal, with a deployer's AZURE_CLIENT_ID exported: the warning is on screen and the server is the deployment's app", async () => {
  const deployer = { AZURE_TENANT_ID: emu.tenantId, AZURE_CLIENT_ID: emu.deployer.clientId, AZURE_CLIENT_SECRET: emu.deployer.clientSecret, MCP_OBO_DEVOPS_ENDPOINT: `${emu.url}/devops` };
  const command = [process.execPath, BIN, 'serve', '--port', '0'].map((a) => `'${a}'`).join(' ');
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...env, ...deployer, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    const started = Date.now();
    while (!/"event":"server.listening","url":"([^"]+)"/.test(out) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
    const url = /"event":"server.listening","url":"([^"]+)"/.exec(out)![1]!;
    assert.match(plain(out), new RegExp(`warning: AZURE_CLIENT_ID in the environment \\(${emu.deployer.clientId}\\) is not the server's`));
    const m = (await (await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)).json()) as { scopes_supported: string[] };
    assert.equal(m.scopes_supported[0], `api://${(await deploymentFile(cwd)).resources.application.appId}/access_as_user`);
  } finally {
    proc.kill('SIGTERM');
    await once(proc, 'exit');
  }
});
