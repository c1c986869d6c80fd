/** `mcp-obo consent`: grants exactly the required scopes, verifies, and explains when not an admin. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
let cwd: string;
before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  await init(emu, cwd, { id: 'cs01' });
  const r = await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
});
after(() => emu?.close());

type Grant = { clientId: string; resourceId: string; consentType: string; scope: string };

test('consent --verify before consent: every permission missing, exit 1 with the admin-consent URL', async () => {
  const r = await runCli(['consent', '--verify', '--json'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { granted: boolean; permissions: { status: string }[]; adminConsentUrl: string };
  assert.equal(out.granted, false);
  assert.ok(out.permissions.every((p) => p.status === 'missing'));
  const appId = (await deploymentFile(cwd)).resources.application.appId;
  assert.equal(out.adminConsentUrl, `${emu.url}/${emu.tenantId}/adminconsent?client_id=${appId}`);
});

test('as an admin: AllPrincipals grants with exactly the required scopes, DevOps principal created, all granted', async () => {
  emu.graph.devopsServicePrincipal(false);
  const r = await runCli(['consent', '--yes'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(r.code, 0, r.stderr);
  for (const p of ['User.Read', 'openid', 'profile', 'email', 'offline_access', 'vso.profile', 'access_as_user']) assert.match(r.stdout, new RegExp(`✔ .* ${p.replace('.', '\\.')}: granted`));
  const d = await deploymentFile(cwd);
  const g = emu.state().graph as unknown as { oauth2PermissionGrants: Grant[]; servicePrincipals: { id: string; appId: string }[] };
  const sp = (appId: string) => g.servicePrincipals.find((s) => s.appId === appId)!.id;
  const ours = g.oauth2PermissionGrants.filter((x) => x.clientId === d.resources.servicePrincipal.objectId);
  assert.equal(ours.length, 3);
  const scopes = Object.fromEntries(ours.map((x) => [x.resourceId, x.scope.split(' ').sort().join(' ')]));
  assert.equal(scopes[sp('00000003-0000-0000-c000-000000000000')], 'User.Read email offline_access openid profile');
  assert.equal(scopes[sp('499b84ac-1321-427f-aa17-267ca6975798')], 'vso.profile');
  // The authorization facade signs users in as the app itself: its own scope is consented too, so Entra asks nobody.
  assert.equal(scopes[d.resources.servicePrincipal.objectId], 'access_as_user');
  assert.ok(ours.every((x) => x.consentType === 'AllPrincipals'));

  const again = await runCli(['consent', '--verify'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(again.code, 0);
  const twice = await runCli(['consent', '--yes'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(twice.code, 0);
  assert.equal((emu.state().graph as unknown as { oauth2PermissionGrants: Grant[] }).oauth2PermissionGrants.filter((x) => x.clientId === d.resources.servicePrincipal.objectId).length, 3, 'idempotent');
});

test('without admin rights: says so and prints the URL for an administrator', async () => {
  const sps = (emu.state().graph as unknown as { servicePrincipals: { appId: string; id: string }[] }).servicePrincipals;
  const deployer = sps.find((s) => s.appId === emu.deployer.clientId)!.id;
  const d = await deploymentFile(cwd);
  const grants = (emu.state().graph as unknown as { oauth2PermissionGrants: (Grant & { id: string })[] }).oauth2PermissionGrants.filter((x) => x.clientId === d.resources.servicePrincipal.objectId);
  // Remove a grant so there is something to do, then lose the right to do it.
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'DelegatedPermissionGrant.ReadWrite.All' });
  const del = await fetch(`${emu.url}/v1.0/oauth2PermissionGrants/${grants[0]!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.equal(del.status, 204);
  emu.graph.denyWrites(deployer);
  try {
    const r = await runCli(['consent', '--yes'], cliEnv(emu, 'deployer'), { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /granting admin consent needs an administrator/);
    assert.ok(r.stderr.includes(`${emu.url}/${emu.tenantId}/adminconsent?client_id=${d.resources.application.appId}`));
  } finally {
    emu.graph.allowWrites(deployer);
  }
});

test('provision --consent grants at the end', async () => {
  const dir = await scratch();
  await init(emu, dir, { id: 'cs02' });
  const r = await runCli(['provision', '--consent', '--no-secret'], cliEnv(emu, 'deployer'), { cwd: dir, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Admin consent:/);
  assert.match(r.stdout, /✔ Azure DevOps vso\.profile: granted/);
});
