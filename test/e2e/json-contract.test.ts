/**
 * The --json contract end to end: every command's output, on success and on failure, is exactly
 * one document (or NDJSON ending in one result event) that validates against its shipped schema,
 * with machine keys and `error: {code, message, advice}`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { BIN, runCli, serverEnv, startServe } from '../helpers/serve.ts';
import { cliEnv, scratch } from '../helpers/cli.ts';
import { assertContract } from '../helpers/contract.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  const r = await runCli(['init', '--yes', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--location', 'eastus', '--prefix', 'e2e', '--env', 'dev', '--id', 'js01', '--json'], env, { cwd });
  assert.equal(r.code, 0, r.stderr);
  const doc = assertContract('init', r.stdout, { ok: true });
  assert.deepEqual([doc.deployment.name, doc.deployment.id, doc.deployment.tenantId], ['e2e-dev', 'js01', emu.tenantId]);
});
after(() => emu?.close());

test('init: a missing value is a usage error document, and nothing is asked or written', async () => {
  const r = await runCli(['init', '--yes', '--json'], cliEnv(emu, 'nobody'), { cwd: await scratch() });
  assert.equal(r.code, 2);
  assert.match(assertContract('init', r.stdout, { ok: false, code: 'usage' }).error.message, /--tenant/);
});

test('init --github-workflow from a checkout without a remote: nothing is written, and it says how to install mcp-obo', async () => {
  const dir = await scratch();
  // The checkout mcp-obo runs from, as git sees it: a repository with a commit and no remote (whatever this clone has).
  const repo = await scratch();
  const g = ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com'];
  execFileSync('git', [...g, 'init', '-q', repo]);
  execFileSync('git', [...g, '-C', repo, 'commit', '-q', '--allow-empty', '-m', 'e2e']);
  const env = { ...cliEnv(emu, 'nobody'), GIT_DIR: join(repo, '.git') };
  const r = await runCli(['init', '--yes', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--location', 'eastus', '--prefix', 'e2e', '--env', 'dev', '--github-workflow', '--json'], env, { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(assertContract('init', r.stdout, { ok: false, code: 'usage' }).error.advice, /Installing/);
  assert.deepEqual(await readdir(dir), []);
});

test('an unknown flag is a usage error document too (commander\'s own errors)', async () => {
  const r = await runCli(['consent', '--json', '--bogus'], env, { cwd });
  assert.equal(r.code, 2);
  assertContract('consent', r.stdout, { ok: false, code: 'usage' });
});

test('before provisioning: consent, token, deploy, logs and test fail with a document naming the next step', async () => {
  for (const [command, args] of [['consent', ['--verify']], ['token', []], ['deploy', []], ['logs', []], ['test', []], ['pipeline', ['github']]] as const) {
    const r = await runCli([command, ...args, '--json'], env, { cwd, timeoutMs: 60_000 });
    assert.notEqual(r.code, 0, `${command}: ${r.stdout}`);
    const doc = assertContract(command, r.stdout, { ok: false });
    assert.ok(doc.error.advice, `${command}: ${JSON.stringify(doc.error)}`);
  }
});

test('provision: NDJSON step events and one result with machine keys; a wrong secret is aadsts-7000215', async () => {
  const dry = await runCli(['provision', '--dry-run', '--json'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(dry.code, 0, dry.stderr);
  const plan = assertContract('provision', dry.stdout, { ok: true });
  assert.equal(plan.dryRun, true);
  assert.ok(plan.steps.every((s: { action: string }) => s.action === 'create' || s.action === 'unchanged'));

  const bad = await runCli(['provision', '--json'], cliEnv(emu, 'deployer', { AZURE_CLIENT_SECRET: 'not-the-secret' }), { cwd, timeoutMs: 60_000 });
  assert.equal(bad.code, 1);
  const err = assertContract('provision', bad.stdout, { ok: false, code: 'aadsts-7000215' }).error;
  assert.match(err.advice, /AZURE_CLIENT_SECRET/);

  const r = await runCli(['provision', '--consent', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const done = assertContract('provision', r.stdout, { ok: true });
  assert.match(done.values.appId, /^[0-9a-f-]{36}$/);
  assert.equal(done.values.resourceGroup, 'rg-e2e-dev-js01');
  assert.ok(done.consent.every((p: { status: string }) => p.status === 'granted'));
});

test('consent --verify and token (the token, --decode, --curl) after provisioning', async () => {
  const c = await runCli(['consent', '--verify', '--json'], env, { cwd });
  assert.equal(c.code, 0, c.stderr);
  assert.equal(assertContract('consent', c.stdout, { ok: true }).granted, true);
  const t = await runCli(['token', '--json'], env, { cwd });
  assert.equal(t.code, 0, t.stderr);
  const tok = assertContract('token', t.stdout, { ok: true });
  assert.deepEqual([tok.mode, tok.via], ['token', 'azure-cli']);
  const dec = assertContract('token', (await runCli(['token', '--decode', '--json'], env, { cwd })).stdout, { ok: true });
  assert.ok(dec.claims.scopes.includes('access_as_user'));
  const curl = assertContract('token', (await runCli(['token', '--curl', '--json'], env, { cwd })).stdout, { ok: true });
  assert.match(curl.commands, /TOKEN=\$\(mcp-obo token --deployment e2e-dev\)/);
});

test('show: the deployment at a glance as one document; a wrong --deployment is a usage error document', async () => {
  const r = await runCli(['show', '--json'], cliEnv(emu, 'nobody'), { cwd });
  assert.equal(r.code, 0, r.stderr);
  const doc = assertContract('show', r.stdout, { ok: true });
  assert.deepEqual([doc.name, doc.id, doc.cloud, doc.next], ['e2e-dev', 'js01', 'AzureCloud', 'mcp-obo deploy --deployment e2e-dev']);
  assert.ok(doc.steps.every((s: { state: string }) => s.state === 'done' || s.state === 'skipped'), JSON.stringify(doc.steps));
  const wrong = await runCli(['show', '--deployment', 'nope', '--json'], env, { cwd });
  assert.equal(wrong.code, 2);
  assert.match(assertContract('show', wrong.stdout, { ok: false, code: 'usage' }).error.advice, /e2e-dev/);
});

test('list: here and --all as documents; an identity that may not read app registrations gets a note, in the document and on stderr', async () => {
  const here = await runCli(['list', '--json'], env, { cwd });
  assert.equal(here.code, 0, here.stderr);
  const doc = assertContract('list', here.stdout, { ok: true });
  assert.deepEqual([doc.all, doc.azure, doc.local.map((d: { name: string; state: string }) => [d.name, d.state])], [false, null, [['e2e-dev', 'provisioned']]]);

  const all = assertContract('list', (await runCli(['list', '--all', '--json'], env, { cwd, timeoutMs: 60_000 })).stdout, { ok: true });
  const mine = all.azure.find((d: { id: string }) => d.id === 'js01');
  assert.deepEqual([mine.here, mine.resources.length, all.notes], ['e2e-dev', 2, []]);

  // A pipeline's identity: Owner in Azure, but no Microsoft Graph permission to read app registrations.
  emu.graph.setDeployerRoles([]);
  try {
    const blind = await runCli(['list', '--all', '--json'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
    assert.equal(blind.code, 0, blind.stderr);
    const partial = assertContract('list', blind.stdout, { ok: true });
    assert.deepEqual(partial.azure.find((d: { id: string }) => d.id === 'js01').resources, ['resource group rg-e2e-dev-js01'], 'what Azure holds is still listed');
    assert.equal(partial.notes.length, 1);
    assert.match(partial.notes[0], /app registrations were not searched: this identity may not read them \(Microsoft Graph Application\.Read\.All/);
    assert.ok(blind.stderr.includes(`note: ${partial.notes[0]}`), blind.stderr);
  } finally {
    emu.graph.setDeployerRoles(['Application.ReadWrite.All', 'Group.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']);
  }

  const unscoped = await runCli(['list', '--all', '--json'], env, { cwd: await scratch() });
  assert.equal(unscoped.code, 2);
  assert.match(assertContract('list', unscoped.stdout, { ok: false, code: 'usage' }).error.advice, /--tenant/);
});

test('users list|add|remove: documents with machine outcomes; bad names are usage errors that change nothing; a refusal half-way reports what was done', async () => {
  const ada = emu.addUser({ displayName: 'Ada Lovelace', userPrincipalName: 'ada@contoso.example' });
  const grace = emu.addUser({ displayName: 'Grace Hopper', userPrincipalName: 'grace@contoso.example' });
  const users = async (args: string[], as = env) => runCli(['users', ...args, '--json'], as, { cwd, timeoutMs: 60_000 });

  const list = assertContract('users', (await users(['list'])).stdout, { ok: true });
  assert.equal(list.mode, 'list');
  assert.equal(list.group.assigned, true);
  assert.ok(list.members.some((m: { kind: string; id: string; nested: boolean }) => m.kind === 'user' && m.id === emu.cliUser.oid && !m.nested), JSON.stringify(list.members));

  const add = await users(['add', 'ada@contoso.example']);
  assert.equal(add.code, 0, add.stderr);
  const added = assertContract('users', add.stdout, { ok: true });
  assert.deepEqual([added.mode, added.deployment, added.group.id, added.changes.map((c: { principal: { id: string }; outcome: string }) => [c.principal.id, c.outcome])], ['add', 'e2e-dev', list.group.id, [[ada.oid, 'added-to-group']]]);

  const unknown = await users(['add', 'grace@contoso.example', 'nobody@contoso.example']);
  assert.equal(unknown.code, 2);
  const refusedName = assertContract('users', unknown.stdout, { ok: false, code: 'usage' });
  assert.deepEqual([refusedName.mode, refusedName.changes], ['add', []], 'nothing changed, and the document says so');

  // Grace has no access (nothing to write); removing Ada is then refused: the failure still reports Grace's outcome.
  emu.graph.denyWrites(emu.cliUser.oid);
  try {
    const half = await users(['remove', 'grace@contoso.example', 'ada@contoso.example']);
    assert.equal(half.code, 1, half.stderr);
    const doc = assertContract('users', half.stdout, { ok: false, code: 'authorization-denied' });
    assert.deepEqual(doc.changes.map((c: { principal: { id: string }; outcome: string }) => [c.principal.id, c.outcome]), [[grace.oid, 'had-no-access']]);
    assert.match(doc.error.advice, /owner of the group/);
  } finally {
    emu.graph.allowWrites(emu.cliUser.oid);
  }
  const removed = assertContract('users', (await users(['remove', 'ada@contoso.example'])).stdout, { ok: true });
  assert.deepEqual(removed.changes.map((c: { outcome: string }) => c.outcome), ['removed-from-group']);

  const none = await users(['list'], cliEnv(emu, 'nobody'));
  assert.equal(none.code, 1);
  assert.equal(assertContract('users', none.stdout, { ok: false }).error.code, 'not-signed-in');
});

test('test: checks with stable ids; a dead server is checks-failed with the failing ids', async () => {
  const serve = await startServe(serverEnv(emu, { MCP_OBO_AUTH: 'entra' }));
  try {
    const r = await runCli(['test', '--url', serve.url.replace('127.0.0.1', 'localhost'), '--json'], cliEnv(emu, 'nobody'), { cwd, timeoutMs: 60_000 });
    const doc = assertContract('test', r.stdout, { ok: r.code === 0 });
    assert.deepEqual(doc.checks.slice(0, 4).map((c: { id: string }) => c.id), ['health', 'resource-metadata', 'challenge', 'forged-token']);
    assert.ok(doc.checks.some((c: { id: string; skipped: boolean }) => c.id === 'user-token' && c.skipped));
  } finally {
    await serve.stop();
  }
  const dead = await runCli(['test', '--url', 'http://127.0.0.1:9', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(dead.code, 1);
  const doc = assertContract('test', dead.stdout, { ok: false, code: 'checks-failed' });
  assert.deepEqual(doc.checks.map((c: { id: string; ok: boolean }) => [c.id, c.ok]), [['health', false]]);
});

test('serve --json: log lines, then one result when it stops; a configuration error is a document too', async () => {
  const s = await startServe(serverEnv(emu), ['--json']);
  assert.equal(await s.stop(), 0);
  assertContract('serve', s.output().split('\n').filter((l) => l.startsWith('{')).join('\n'), { ok: true });
  // Outside the deployment's folder: there, its env file's MCP_OBO_TENANT_ID is the server's and AZURE_TENANT_ID only a warning.
  const r = await runCli(['serve', '--json'], serverEnv(emu, { AZURE_TENANT_ID: 'not-a-guid' }), { cwd: await scratch() });
  assert.equal(r.code, 2);
  assertContract('serve', r.stdout, { ok: false, code: 'config' });
});

test('cleanup: --list and --dry-run are NDJSON ending in one result; without a terminal and --yes it is a usage error', async () => {
  const list = await runCli(['cleanup', '--list', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(list.code, 0, list.stderr);
  assert.ok(assertContract('cleanup', list.stdout, { ok: true }).deployments.some((d: { id: string }) => d.id === 'js01'));
  const dry = await runCli(['cleanup', '--dry-run', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(assertContract('cleanup', dry.stdout, { ok: true }).dryRun, true);
  const no = await runCli(['cleanup', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(no.code, 2);
  assertContract('cleanup', no.stdout, { ok: false, code: 'usage' });
});

test('a closed pipe ends the command quietly: `cleanup --list | head -1` exits 0 without a stack trace', async () => {
  // The literal pipeline, with pipefail so mcp-obo's own exit status counts.
  const cmd = `set -o pipefail; '${process.execPath}' '${BIN}' cleanup --list | head -1`;
  const proc = spawn('bash', ['-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errOut = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (errOut += d));
  const [code] = (await once(proc, 'exit')) as [number];
  assert.equal(code, 0, errOut);
  assert.match(out, /^ID\s+DEPLOYMENT/);
  assert.doesNotMatch(errOut, /EPIPE|at .*\.js:\d+/);

  // And deterministically: the reader is gone before mcp-obo writes anything.
  const early = spawn(process.execPath, [BIN, 'cleanup', '--list'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  early.stdout.destroy();
  let stderr = '';
  early.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [earlyCode] = (await once(early, 'exit')) as [number];
  assert.equal(earlyCode, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error:|at .*\.js:\d+/);
});
