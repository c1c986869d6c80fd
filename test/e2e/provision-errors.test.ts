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
import { cliEnv, deploymentFile, init, REPLICATION, scratch, writes, suggestedCommands, runSuggested } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ propagation: REPLICATION });
  trustCa(emu.caPem);
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
  const plain = emu.addUser();
  emu.arm.assignRole(plain.oid, 'Owner');
  emu.graph.allowedToCreateApps(false);
  try {
    const env = cliEnv(emu, 'user', { MCP_OBO_FAKE_AZ_USER: plain.oid });
    const cwd = await scratch();
    await init(emu, cwd, { id: 'nu01' }, env);
    emu.requests.length = 0;
    const r = await runCli(['provision'], env, { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /create app registrations .*ask for the Application Developer role/);
    assert.match(r.stderr, /Nothing was created/);
    assert.deepEqual(writes(emu.requests), []);
  } finally {
    emu.graph.allowedToCreateApps(true);
  }
});

test('a tenant policy that caps secret lifetimes: a clear message; --secret-days within it works', async () => {
  emu.graph.appManagementPolicy({ maxPasswordLifetimeDays: 30 });
  try {
    const { cwd, r } = await provisionFails('sp01', cliEnv(emu, 'deployer'), /does not allow a client secret that lives 90 days \(CredentialInvalidLifetimeAsPerAppPolicy\)/);
    assert.match(r.stderr, /--secret-days 30/);
    assert.match(r.stderr, /--no-secret/);
    const ok = await runCli(['provision', '--secret-days', '30'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
    assert.equal(ok.code, 0, ok.stderr);
    const end = Date.parse((await deploymentFile(cwd)).resources.clientSecret.endDateTime);
    assert.ok(Math.abs(end - (Date.now() + 30 * 86_400_000)) < 600_000, 'the secret lives 30 days');
  } finally {
    emu.graph.appManagementPolicy(undefined);
  }
});

test('a tenant policy that forbids secrets: the message points to --no-secret, which works', async () => {
  emu.graph.appManagementPolicy({ blockPasswords: true });
  try {
    const { cwd, r } = await provisionFails('sp02', cliEnv(emu, 'deployer'), /does not allow client secrets on app registrations \(CredentialTypeNotAllowedAsPerAppPolicy\)/);
    assert.match(r.stderr, /mcp-obo provision --no-secret/);
    assert.equal((await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 })).code, 0);
  } finally {
    emu.graph.appManagementPolicy(undefined);
  }
});

test('--secret-days out of range is a usage error before any call', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'sp03' });
  emu.requests.length = 0;
  const r = await runCli(['provision', '--secret-days', '0'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--secret-days must be a whole number of days from 1 to 730/);
  assert.equal(emu.requests.length, 0);
});

/** The deployer back to what every other test expects: Owner of the subscription, the default Graph permissions. */
function restoreDeployer(): void {
  emu.arm.removeRoles(deployerOid());
  emu.arm.assignRole(deployerOid(), 'Owner');
  emu.graph.setDeployerRoles(['Application.ReadWrite.All', 'Group.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']);
}

test('a deployer with Contributor only: the missing role-assignment right is named before anything is created', async () => {
  emu.arm.removeRoles(deployerOid());
  emu.arm.assignRole(deployerOid(), 'Contributor');
  try {
    const { r } = await provisionFails('rr01', cliEnv(emu, 'deployer'), /cannot provision: your account lacks a right this run needs/);
    assert.match(r.stderr, /Azure: Microsoft\.Authorization\/roleAssignments\/write \(the AcrPull role assignment\); needs Owner, User Access Administrator or Role Based Access Control Administrator/);
    assert.match(r.stderr, /Nothing was created/);
    assert.deepEqual(writes(emu.requests), []);
  } finally {
    restoreDeployer();
  }
});

test('a service principal with Application.ReadWrite.OwnedBy only: each missing Graph permission is named; nothing is created', async () => {
  emu.graph.setDeployerRoles(['Application.ReadWrite.OwnedBy']);
  try {
    const { r } = await provisionFails('rr02', cliEnv(emu, 'deployer'), /lacks rights this run needs/);
    assert.match(r.stderr, /Microsoft Graph application permission GroupMember\.Read\.All or Group\.ReadWrite\.All \(finding the users group\)/);
    assert.match(r.stderr, /Microsoft Graph application permission Group\.Create or Group\.ReadWrite\.All \(the users group\)/);
    assert.match(r.stderr, /Microsoft Graph application permission AppRoleAssignment\.ReadWrite\.All \(assigning the users group to the app\)/);
    assert.doesNotMatch(r.stderr, /Application\.ReadWrite\.OwnedBy or/);
    assert.deepEqual(writes(emu.requests), []);
  } finally {
    restoreDeployer();
  }
});

test('a service principal with exactly the documented rights provisions everything (no more is used)', async () => {
  emu.arm.removeRoles(deployerOid());
  emu.arm.assignRole(deployerOid(), 'Contributor');
  emu.arm.assignRole(deployerOid(), 'Role Based Access Control Administrator');
  emu.graph.setDeployerRoles(['Application.ReadWrite.OwnedBy', 'Group.Create', 'GroupMember.Read.All', 'AppRoleAssignment.ReadWrite.All']);
  try {
    const cwd = await scratch();
    await init(emu, cwd, { id: 'rr03' });
    const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const d = await deploymentFile(cwd);
    for (const key of ['acrPull', 'application', 'servicePrincipal', 'group', 'groupAssignment', 'federatedCredential', 'clientSecret']) assert.ok(d.resources[key], key);
  } finally {
    restoreDeployer();
  }
});

test('a user whose directory role comes through a group, and no other Entra right: may register the app; lacking others are all listed', async () => {
  const plain = emu.addUser();
  const env = cliEnv(emu, 'user', { MCP_OBO_FAKE_AZ_USER: plain.oid });
  emu.arm.assignRole(plain.oid, 'Reader');
  emu.graph.allowedToCreateApps(false);
  emu.graph.allowedToCreateSecurityGroups(false);
  // An administrator made a role-assignable group holding Application Developer, with the user in it.
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Group.ReadWrite.All Directory.AccessAsUser.All' });
  const post = async (path: string, body: unknown) => {
    const send = () => fetch(`${emu.url}/v1.0${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    let res = await send();
    // The group is seconds old: a 404 is replication, waited out.
    for (let i = 0; res.status === 404 && i < 40; i++) res = await new Promise((r) => setTimeout(r, 50)).then(send);
    return res;
  };
  const group = (await (await post('/groups', { displayName: 'App developers', mailEnabled: false, mailNickname: `appdevs${plain.oid.slice(0, 6)}`, securityEnabled: true })).json()) as { id: string };
  assert.equal((await post(`/groups/${group.id}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${plain.oid}` })).status, 204);
  emu.graph.assignDirectoryRole(group.id, 'Application Developer');
  try {
    const cwd = await scratch();
    await init(emu, cwd, { id: 'rr04' }, env);
    emu.requests.length = 0;
    const r = await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /create app registrations/, 'Application Developer, held through the group, may');
    assert.match(r.stderr, /Entra ID: create security groups \(the users group\); the tenant does not let users create security groups: ask for the Groups Administrator role/);
    assert.match(r.stderr, /Entra ID: grant tenant-wide admin consent/);
    assert.match(r.stderr, /Azure: Microsoft\.Resources\/subscriptions\/resourceGroups\/write/);
    assert.match(r.stderr, /Azure: Microsoft\.Authorization\/roleAssignments\/write/);
    assert.deepEqual(writes(emu.requests), []);
  } finally {
    emu.graph.allowedToCreateApps(true);
    emu.graph.allowedToCreateSecurityGroups(true);
  }
});
