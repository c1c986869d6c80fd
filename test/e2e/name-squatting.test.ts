/**
 * Name squatting (issue 11): someone who knows a deployment's names (they are derived from its
 * committed file) creates the app registration or the users group first, with a credential or a
 * member of their own. Provision must not adopt such an object: it stops, names it, creates nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type Emulator, type User } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, REPLICATION, scratch, writes } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
let attacker: User;
before(async () => {
  emu = await startEmulator({ propagation: REPLICATION });
  trustCa(emu.caPem);
  attacker = emu.addUser({ displayName: 'Mallory' });
});
after(() => emu?.close());

/** A Graph call as someone outside the CLI; a 404 on an object seconds old is replication, waited out. */
async function graphAs(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Record<string, any> | undefined> {
  const send = () => fetch(`${emu.url}/v1.0${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  let res = await send();
  for (let i = 0; res.status === 404 && i < 40; i++) {
    await new Promise((r) => setTimeout(r, 50));
    res = await send();
  }
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? undefined : ((await res.json()) as Record<string, any>);
}

const asAttacker = () => emu.mintUserToken({ user: attacker, aud: 'https://graph.microsoft.com', scp: 'Application.ReadWrite.All Group.ReadWrite.All' });

test('an app registration planted under the unique name, with a secret of its own: refused, named, nothing created', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'sq01' });
  const token = await asAttacker();
  const planted = (await graphAs(token, 'PATCH', "/applications(uniqueName='mcp-obo-e2e-dev-sq01')", { displayName: 'MCP OAuth2 OBO Server (e2e-dev-sq01)' }, { Prefer: 'create-if-missing' }))!;
  await graphAs(token, 'POST', `/applications/${planted.id}/addPassword`, { passwordCredential: { displayName: 'mcp-obo local (e2e-dev-sq01)' } });

  emu.requests.length = 0;
  const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`refusing to adopt app registration "MCP OAuth2 OBO Server \\(e2e-dev-sq01\\)" \\(${planted.id}\\)`));
  assert.ok(r.stderr.includes(`you are not an owner; owner ${attacker.userPrincipalName}`), r.stderr);
  assert.match(r.stderr, /client secret "mcp-obo local \(e2e-dev-sq01\)"/);
  assert.match(r.stderr, /mcp-obo init --force --id/);
  assert.deepEqual(writes(emu.requests), [], 'nothing created, nothing changed');
  assert.deepEqual((await deploymentFile(cwd)).resources, {});
});

test('a users group planted under the display name and mail nickname, with a member of its own: refused, nothing created', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'sq02' });
  const token = await asAttacker();
  const group = (await graphAs(token, 'POST', '/groups', { displayName: 'MCP OAuth2 OBO Server Users (e2e-dev-sq02)', mailEnabled: false, mailNickname: 'mcpobo-e2e-dev-sq02', securityEnabled: true }))!;
  await graphAs(token, 'POST', `/groups/${group.id}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${attacker.oid}` });

  emu.requests.length = 0;
  const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`refusing to adopt group "MCP OAuth2 OBO Server Users \\(e2e-dev-sq02\\)" \\(${group.id}\\)`));
  assert.match(r.stderr, new RegExp(`member ${attacker.userPrincipalName.replace('.', '\\.')}`));
  assert.deepEqual(writes(emu.requests), []);
});

test('the honest by-name find (a run killed before saving the id): the caller\'s own, bare registration is adopted', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'sq03' });
  // What a run killed right after the upsert leaves: the deployer's app, no id in the deployment file.
  const cred = new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });
  const token = (await cred.getToken('https://graph.microsoft.com/.default'))!.token;
  const mine = (await graphAs(token, 'PATCH', "/applications(uniqueName='mcp-obo-e2e-dev-sq03')", { displayName: 'MCP OAuth2 OBO Server (e2e-dev-sq03)' }, { Prefer: 'create-if-missing' }))!;
  const r = await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await deploymentFile(cwd)).resources.application.objectId, mine.id);
});
