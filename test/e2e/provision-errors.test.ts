/**
 * Bad input and missing rights: each gets its own message and exit code, and (before any
 * resource exists) nothing is created.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch, writes, suggestedCommands, runSuggested } from '../helpers/cli.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.close());

function deployerOid(): string {
  const sps = (emu.state().graph as unknown as { servicePrincipals: { appId: string; id: string }[] }).servicePrincipals;
  return sps.find((s) => s.appId === emu.deployer.clientId)!.id;
}

for (const [name, args, pattern] of [
  ['malformed tenant', ['--tenant', 'contoso.onmicrosoft.com'], /--tenant "contoso.onmicrosoft.com" is not a GUID/],
  ['malformed subscription', ['--subscription', 'abc'], /--subscription "abc" is not a GUID/],
  ['unknown region', ['--location', 'mars-north'], /not an Azure region/],
  ['prefix that breaks the registry name', ['--prefix', 'my_app'], /--prefix "my_app" is not valid/],
  ['env that breaks naming rules', ['--env', 'development'], /--env "development" is not valid/],
  ['missing value without a terminal', ['--location', ''], /--location/],
] as const) {
  test(`init: ${name} -> exit 2, nothing written, no call`, async () => {
    const cwd = await scratch();
    emu.requests.length = 0;
    const base: Record<string, string> = { '--tenant': emu.tenantId, '--subscription': emu.subscriptionId, '--location': 'eastus', '--prefix': 'e2e', '--env': 'dev' };
    for (let i = 0; i < args.length; i += 2) base[args[i]!] = args[i + 1]!;
    const argv = ['init', '--yes', ...Object.entries(base).flatMap(([k, v]) => (v === '' ? [] : [k, v]))];
    const r = await runCli(argv, cliEnv(emu, 'deployer'), { cwd });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.deepEqual(await readdir(cwd), []);
    assert.equal(emu.requests.length, 0);
  });
}

async function provisionFails(id: string, env: Record<string, string>, pattern: RegExp, flags: Record<string, string> = {}) {
  const cwd = await scratch();
  await init(emu, cwd, { id, ...flags });
  emu.requests.length = 0;
  const r = await runCli(['provision'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, pattern);
  return { cwd, r };
}

test('a region without Container Apps: refused before anything is created; the suggested init runs as printed', async () => {
  const { cwd, r } = await provisionFails('rg01', cliEnv(emu, 'deployer'), /region jioindiacentral does not offer Azure Container Apps/, { location: 'jioindiacentral' });
  assert.deepEqual(writes(emu.requests), []);
  const [fix] = suggestedCommands(r.stderr);
  assert.equal(fix, 'mcp-obo init --force --location <region>');
  const ran = await runSuggested(fix!, { region: 'eastus' }, cliEnv(emu, 'deployer'), { cwd });
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal((await deploymentFile(cwd)).location, 'eastus');
  assert.equal((await deploymentFile(cwd)).id, 'rg01', 'the rest of the deployment kept');
  assert.equal((await runCli(['provision', '--dry-run'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 })).code, 0);
});

test('a registry name taken by someone else: refused before anything is created; the suggested init runs as printed', async () => {
  emu.arm.takenRegistryNames.add('acre2edevtk01');
  const { cwd, r } = await provisionFails('tk01', cliEnv(emu, 'deployer'), /registry name acre2edevtk01 is not available/);
  assert.deepEqual(writes(emu.requests), []);
  const [fix] = suggestedCommands(r.stderr);
  assert.equal(fix, 'mcp-obo init --force --id <new id>');
  // As printed, with only the new id: everything else comes from the deployment here.
  const ran = await runSuggested(fix!, { 'new id': 'tk02' }, cliEnv(emu, 'deployer'), { cwd });
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal((await deploymentFile(cwd)).id, 'tk02');
  assert.equal((await runCli(['provision', '--dry-run'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 })).code, 0);
});

test('no right to create app registrations: refused before anything is created', async () => {
  emu.graph.setDeployerRoles([]);
  try {
    const { r } = await provisionFails('np01', cliEnv(emu, 'deployer'), /cannot create app registrations/);
    assert.match(r.stderr, /Nothing was created/);
    assert.deepEqual(writes(emu.requests), []);
  } finally {
    emu.graph.setDeployerRoles(['Application.ReadWrite.All', 'Group.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']);
  }
});

test('no right to assign roles (not Owner / User Access Administrator): the rest finishes, the advice names the roles', async () => {
  emu.arm.denyWrites(deployerOid(), ['Microsoft.Authorization/roleAssignments']);
  try {
    const { cwd, r } = await provisionFails('rb01', cliEnv(emu, 'deployer'), /AcrPull role .*AuthorizationFailed/);
    assert.match(r.stderr, /Owner, User Access Administrator or Role Based Access Control Administrator/);
    assert.match(r.stderr, /rerun `mcp-obo provision`/);
    const d = await deploymentFile(cwd);
    assert.ok(d.resources.registry && d.resources.application && d.resources.federatedCredential, 'independent steps finished');
    assert.equal(d.resources.acrPull, undefined);
  } finally {
    emu.arm.allowWrites(deployerOid());
  }
});

test('nobody signed in: says how to sign in', async () => {
  await provisionFails('ns01', cliEnv(emu, 'nobody'), /not signed in to Azure/);
});

test('a subscription the account cannot see: says so and how to pick another', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'ws01', subscription: '12345678-1234-1234-1234-123456789012' });
  const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /subscription 12345678-1234-1234-1234-123456789012 was not found/);
  assert.match(r.stderr, /az account list/);
});

test('several deployments in a folder: provision asks which one (exit 2)', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'md01' });
  await init(emu, cwd, { id: 'md02', env: 'prd' });
  const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /several deployments/);
  assert.match(r.stderr, /--deployment e2e-dev/);
});

test('a corrupt deployment file is a usage error, not a crash', async () => {
  const cwd = await scratch();
  await writeFile(join(cwd, 'mcp-obo.e2e-dev.json'), '{"version":1}');
  const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not valid/);
});

test('a user not allowed to register applications: refused before anything is created', async () => {
  emu.graph.allowedToCreateApps(false);
  try {
    const cwd = await scratch();
    await init(emu, cwd, { id: 'nu01' }, cliEnv(emu, 'user'));
    emu.requests.length = 0;
    const r = await runCli(['provision'], cliEnv(emu, 'user'), { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot create app registrations .*Application Developer role/);
    assert.deepEqual(writes(emu.requests), []);
  } finally {
    emu.graph.allowedToCreateApps(true);
  }
});
