/**
 * The whole walkthrough as a user would run it: init, provision, consent, serve the app locally
 * with the env file provision wrote, then `mcp-obo token` and `mcp-obo test` against it.
 * Then the failures `mcp-obo test` must explain.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emulator } from '../emulator/index.ts';
import { BIN, runCli, serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, scratch } from '../helpers/cli.ts';
import { provisioned, type Provisioned } from '../helpers/provisioned.ts';

let emu: Emulator;
let cwd: string;
let serve: ServeProcess;
let env: Record<string, string>;

let setup: Provisioned;
before(async () => {
  setup = await provisioned({ id: 'wk01', serve: true });
  ({ emu, cwd, env } = setup);
  serve = setup.serve!;
});
after(() => setup?.close());

test('mcp-obo test passes against the locally served, freshly provisioned app', async () => {
  const r = await runCli(['test', '--url', serve.url.replace('127.0.0.1', 'localhost'), '--json'], env, { cwd, timeoutMs: 60_000 });
  const out = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
  assert.equal(r.code, 0, JSON.stringify(out.checks, null, 1) + r.stderr);
  assert.deepEqual(out.checks.map((c) => c.name), [
    'health',
    'protected-resource metadata',
    '401 challenge without a token',
    'forged token refused',
    'authorization server metadata',
    'client registration',
    'authorize refusals',
    'consent page',
    'tampered token refused',
    'initialize',
    'tools/list',
    'tools/call graph_get_profile',
    'tools/call devops_get_profile',
    'tools/call get_user_context',
  ]);
});

test('mcp-obo token prints only the token; --decode the claims; --curl runnable commands; nothing on disk', async () => {
  const before = (await readdir(cwd)).sort();
  const d = await deploymentFile(cwd, 'e2e-dev');
  const t = await runCli(['token'], env, { cwd });
  assert.equal(t.code, 0, t.stderr);
  const token = t.stdout.trim();
  assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { aud: string; scp: string };
  assert.equal(claims.aud, d.resources.application.appId);
  assert.equal(claims.scp, 'access_as_user');

  const dec = await runCli(['token', '--decode'], env, { cwd });
  const s = JSON.parse(dec.stdout) as { audience: string; scopes: string[]; expiresInMinutes: number; objectId: string };
  assert.equal(s.audience, d.resources.application.appId);
  assert.deepEqual(s.scopes, ['access_as_user']);
  assert.equal(s.objectId, emu.cliUser.oid);
  assert.ok(s.expiresInMinutes > 30);
  assert.doesNotMatch(dec.stdout, /eyJ/, '--decode does not print the token');

  const curl = await runCli(['token', '--curl', '--url', serve.url], env, { cwd });
  assert.doesNotMatch(curl.stdout, /eyJ/, 'the commands never hold the token');
  const tokenLine = curl.stdout.split('\n').find((l) => l.startsWith('TOKEN='));
  assert.equal(tokenLine, 'TOKEN=$(mcp-obo token --deployment e2e-dev)');
  const commands = curl.stdout.split('\n# ').filter((c) => c.includes('curl '));
  assert.equal(commands.length, 3);
  const { execFile } = await import('node:child_process');
  // As pasted into a shell where mcp-obo is installed: the TOKEN line, then a command.
  const bin = await scratch();
  await writeFile(join(bin, 'mcp-obo'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  const last = commands[2]!.replace(/^tools\/call\n/, '');
  const result = await new Promise<string>((resolve, reject) =>
    execFile('bash', ['-c', `${tokenLine}\n${last}`], { cwd, env: { ...env, PATH: `${bin}:${env.PATH}` } }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  assert.equal((JSON.parse(result) as { result: { structuredContent: { name: string } } }).result.structuredContent.name, emu.cliUser.displayName);

  assert.deepEqual((await readdir(cwd)).sort(), before, 'no file written');
  for (const f of before) assert.ok(!(await readFile(`${cwd}/${f}`, 'utf8')).includes(token), `${f} holds no token`);
});

test('mcp-obo test explains: consent missing, user not in the group, server down', async () => {
  const d = await deploymentFile(cwd, 'e2e-dev');
  const g = emu.state().graph as unknown as { oauth2PermissionGrants: { id: string; clientId: string }[] };
  const grants = g.oauth2PermissionGrants.filter((x) => x.clientId === d.resources.servicePrincipal.objectId);
  const admin = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'DelegatedPermissionGrant.ReadWrite.All' });
  for (const x of grants) await fetch(`${emu.url}/v1.0/oauth2PermissionGrants/${x.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
  const noConsent = await runCli(['test', '--url', serve.url.replace('127.0.0.1', 'localhost')], env, { cwd, timeoutMs: 60_000 });
  assert.equal(noConsent.code, 1);
  assert.match(noConsent.stdout, /✖ tools\/call graph_get_profile .*AADSTS65001/);
  assert.match(noConsent.stdout, /→ Admin consent is missing: run `mcp-obo consent`/);
  assert.equal((await runCli(['consent', '--yes'], env, { cwd })).code, 0);

  const stranger = emu.addUser();
  const notAssigned = await runCli(['test', '--url', serve.url.replace('127.0.0.1', 'localhost')], { ...env, MCP_OBO_FAKE_AZ_USER: stranger.oid }, { cwd, timeoutMs: 60_000 });
  assert.equal(notAssigned.code, 1);
  assert.match(notAssigned.stdout + notAssigned.stderr, /users group/);

  const down = await runCli(['test', '--url', 'http://127.0.0.1:9'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(down.code, 1);
  assert.match(down.stdout, /✖ health .*no answer/);
  assert.match(down.stdout, /start it with `mcp-obo serve`/);
});

test('mcp-obo test in a pipeline with no signed-in user: the user checks are skipped, the rest must pass', async () => {
  const r = await runCli(['test', '--url', serve.url.replace('127.0.0.1', 'localhost'), '--json'], cliEnv(emu, 'nobody'), { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; skipped?: boolean }[] };
  assert.deepEqual(out.checks.map((c) => [c.name, c.ok, Boolean(c.skipped)]), [
    ['health', true, false],
    ['protected-resource metadata', true, false],
    ['401 challenge without a token', true, false],
    ['forged token refused', true, false],
    ['authorization server metadata', true, false],
    ['client registration', true, false],
    ['authorize refusals', true, false],
    ['consent page', true, false],
    ['checks as a signed-in user', true, true],
  ]);
});

test('mcp-obo test: a server configured for another app is caught (wrong audience)', async () => {
  // The emulator's own server app: a server for another app than the deployment's.
  const other = await startServe(serverEnv(emu));
  try {
    const r = await runCli(['test', '--url', other.url.replace('127.0.0.1', 'localhost'), '--json'], env, { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; advice?: string }[] };
    const failed = out.checks.filter((c) => !c.ok).map((c) => c.name);
    assert.ok(failed.includes('protected-resource metadata') && failed.includes('initialize'), failed.join(', '));
    // Exactly which app it runs as, instead of the deployment's.
    assert.match(out.checks.find((c) => c.name === 'initialize')!.advice!, new RegExp(`The server runs as app ${emu.serverApp.clientId}, not e2e-dev's app`));
  } finally {
    await other.stop();
  }
});

test('mcp-obo token without the Azure CLI signs in with a device code (instructions on stderr, token on stdout)', async () => {
  const r = await runCli(['token', '--device-code'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /To sign in, use a web browser to open the page .* and enter the code [A-Z0-9]+ to authenticate/);
  const token = r.stdout.trim();
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { aud: string; azp: string };
  assert.equal(claims.aud, (await deploymentFile(cwd, 'e2e-dev')).resources.application.appId);
  assert.equal(claims.azp, '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
  // Not by itself without a terminal (nobody would enter the code): on a terminal it is (token-terminal.test.ts).
  const auto = await runCli(['token'], { ...env, MCP_OBO_FAKE_AZ: 'logged-out' }, { cwd, timeoutMs: 60_000 });
  assert.equal(auto.code, 1, auto.stderr);
  assert.match(auto.stderr, /not signed in as a user/);
  assert.doesNotMatch(auto.stderr, /enter the code/);
});

test('with packs enabled: provision and consent follow them, serve offers them, and mcp-obo test calls every read-only tool and nothing that writes', async () => {
  const enable = await runCli(['tools', 'enable', 'mail', 'calendar'], env, { cwd });
  assert.equal(enable.code, 0, enable.stderr);
  const p = await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(p.code, 0, p.stderr);
  // serve in the project folder offers the deployment file's tools.
  const s = await startServe({ PATH: env.PATH!, HOME: env.HOME!, NODE_EXTRA_CA_CERTS: emu.caCertPath, MCP_OBO_DEVOPS_ENDPOINT: `${emu.url}/devops` }, [], { cwd });
  try {
    emu.requests.length = 0;
    const r = await runCli(['test', '--url', s.url.replace('127.0.0.1', 'localhost'), '--json'], env, { cwd, timeoutMs: 60_000 });
    const out = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; skipped?: boolean; detail: string }[] };
    assert.equal(r.code, 0, JSON.stringify(out.checks, null, 1));
    const calls = out.checks.filter((c) => c.name.startsWith('tools/call '));
    const called = calls.filter((c) => !c.skipped).map((c) => c.name.slice(11)).sort();
    assert.deepEqual(called, ['calendar_today', 'calendar_upcoming', 'devops_get_profile', 'get_user_context', 'graph_get_profile', 'mail_list_recent', 'mail_search']);
    assert.match(calls.find((c) => c.name === 'tools/call mail_read')!.detail, /not called: it needs id/);
    assert.match(calls.find((c) => c.name === 'tools/call calendar_free_busy')!.detail, /not called: it needs people, start, end/);
    assert.ok(!calls.some((c) => c.name === 'tools/call mail_send'), 'a tool that writes is never called');
    assert.ok(!emu.requests.some((q) => q.path.endsWith('/sendMail')), 'no mail was sent');
  } finally {
    await s.stop();
  }
});
