/**
 * Provisioning follows the tools: enabling packs adds exactly their delegated permissions, resolved
 * by name from each API's service principal; consent grants them; disabling a pack offers to take
 * off only what it needed; an administrator's own permission survives all of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';
import { assertContract } from '../helpers/contract.ts';
import { FIRST_PARTY } from '../emulator/core/wellKnown.ts';

const GRAPH = '00000003-0000-0000-c000-000000000000';
const DEVOPS = '499b84ac-1321-427f-aa17-267ca6975798';
/** The id the API's service principal publishes for a permission name. */
const idOf = (api: 'graph' | 'devops', value: string) => FIRST_PARTY[api].scopes.find((s) => s.value === value)!.id;

let emu: Emulator;
let cwd: string;
before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  await init(emu, cwd, { id: 'tp01' });
});
after(() => emu?.close());

const cli = async (args: string[], expect = 0) => {
  const r = await runCli(args, cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, expect, `${args.join(' ')}: ${r.stderr}`);
  return r;
};

type Rra = { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
const graphApp = async () => {
  const d = await deploymentFile(cwd);
  const apps = emu.state().graph.applications as { id: string; requiredResourceAccess: Rra }[];
  return apps.find((a) => a.id === d.resources.application.objectId)!;
};
const permissionSet = async () => new Set((await graphApp()).requiredResourceAccess.flatMap((r) => r.resourceAccess.map((a) => `${r.resourceAppId}/${a.id}`)));
const grantScopes = async (appId: string) => {
  const d = await deploymentFile(cwd);
  const g = emu.state().graph as unknown as { oauth2PermissionGrants: { clientId: string; resourceId: string; scope: string }[]; servicePrincipals: { id: string; appId: string }[] };
  const sp = g.servicePrincipals.find((s) => s.appId === appId)!.id;
  return (g.oauth2PermissionGrants.find((x) => x.clientId === d.resources.servicePrincipal.objectId && x.resourceId === sp)?.scope ?? '').split(' ').filter(Boolean).sort();
};

const signIn = ['openid', 'profile', 'email', 'offline_access'].map((s) => `${GRAPH}/${idOf('graph', s)}`);
const profile = [`${GRAPH}/${idOf('graph', 'User.Read')}`, `${DEVOPS}/${idOf('devops', 'vso.profile')}`];
const mail = ['Mail.Read', 'Mail.Send'].map((s) => `${GRAPH}/${idOf('graph', s)}`);
const work = ['vso.work', 'vso.work_write'].map((s) => `${DEVOPS}/${idOf('devops', s)}`);
const adminAdded = `${GRAPH}/${idOf('graph', 'User.ReadBasic.All')}`;

test('the default (profile pack) provisions sign-in and profile permissions, resolved by name, and records them as ours', async () => {
  await cli(['provision', '--no-secret']);
  assert.deepEqual([...(await permissionSet())].sort(), [...signIn, ...profile].sort());
  const recorded = (await deploymentFile(cwd)).resources.application.permissions as Record<string, string[]>;
  assert.deepEqual(Object.values(recorded).flat().sort(), [...signIn, ...profile].map((p) => p.split('/')[1]).sort());
});

test('enabling mail and devops-work adds exactly their permissions; an administrator\'s permission stays; consent grants them', async () => {
  // An administrator adds a permission of their own in the portal.
  const app = await graphApp();
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Application.ReadWrite.All' });
  const graphEntry = app.requiredResourceAccess.find((r) => r.resourceAppId === GRAPH)!;
  const patched = app.requiredResourceAccess.map((r) => (r === graphEntry ? { ...r, resourceAccess: [...r.resourceAccess, { id: idOf('graph', 'User.ReadBasic.All'), type: 'Scope' }] } : r));
  const res = await fetch(`${emu.url}/v1.0/applications/${app.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ requiredResourceAccess: patched }) });
  assert.equal(res.status, 204, await res.text());

  await cli(['tools', 'enable', 'mail', 'devops-work']);
  const dry = await cli(['provision', '--no-secret', '--dry-run']);
  assert.match(dry.stdout + dry.stderr, /API permissions/);
  await cli(['provision', '--no-secret']);
  assert.deepEqual([...(await permissionSet())].sort(), [...signIn, ...profile, ...mail, ...work, adminAdded].sort());

  await cli(['consent', '--yes']);
  assert.deepEqual(await grantScopes(GRAPH), ['Mail.Read', 'Mail.Send', 'User.Read', 'email', 'offline_access', 'openid', 'profile']);
  assert.deepEqual(await grantScopes(DEVOPS), ['vso.profile', 'vso.work', 'vso.work_write']);

  const list = assertContract('tools', (await cli(['tools', 'list', '--json'])).stdout, { ok: true }) as { mode: string; tools: { name: string; scopes: Record<string, string[]> }[]; permissions: { resource: string; permission: string; status: string }[] };
  assert.equal(list.mode, 'list');
  assert.deepEqual(list.tools.find((t) => t.name === 'mail_send')!.scopes, { graph: ['Mail.Send'] });
  assert.ok(list.permissions.length > 0 && list.permissions.every((p) => p.status === 'granted'), JSON.stringify(list.permissions));
  const human = (await cli(['tools', 'list'])).stdout;
  assert.match(human, /mail_send\s+DESTRUCTIVE\s+pack:mail\s+graph:Mail\.Send ✔/);
});

test('disabling mail: kept and named without an answer; --prune-permissions takes off only what mail needed; consent follows', async () => {
  const disabled = assertContract('tools', (await cli(['tools', 'disable', 'mail', '--json'])).stdout, { ok: true });
  assert.deepEqual([disabled.mode, disabled.changed, disabled.packs.includes('mail')], ['packs', true, false]);
  // An unknown pack is a usage error (exit 2), in the contract too, and changes nothing.
  const bad = await runCli(['tools', 'enable', 'weather', '--json'], cliEnv(emu, 'deployer'), { cwd });
  assert.equal(bad.code, 2);
  assert.equal(assertContract('tools', bad.stdout, { ok: false, code: 'usage' }).error.message, 'unknown pack "weather"');
  const kept = await cli(['provision', '--no-secret']);
  assert.match(kept.stdout, /kept Microsoft Graph Mail\.(Read|Send), Microsoft Graph Mail\.(Read|Send) on the app registration.*--prune-permissions/);
  const still = await permissionSet();
  assert.ok(mail.every((m) => still.has(m)), 'nothing taken off without agreement');

  await cli(['provision', '--no-secret', '--prune-permissions']);
  assert.deepEqual([...(await permissionSet())].sort(), [...signIn, ...profile, ...work, adminAdded].sort());
  await cli(['consent', '--yes']);
  assert.deepEqual(await grantScopes(GRAPH), ['User.Read', 'email', 'offline_access', 'openid', 'profile']);
  assert.deepEqual(await grantScopes(DEVOPS), ['vso.profile', 'vso.work', 'vso.work_write'], 'other APIs untouched');
  const again = await cli(['provision', '--no-secret', '--dry-run']);
  assert.doesNotMatch(again.stdout + again.stderr, /API permissions/, 'a rerun changes nothing');
});

test("your own tool's permissions are provisioned too, and a misspelt permission stops provision before any change", async () => {
  await mkdir(join(cwd, 'tools'), { recursive: true });
  await writeFile(join(cwd, 'package.json'), '{"type":"module"}');
  const toolsIndex = new URL('../../src/tools/index.ts', import.meta.url).href;
  const source = (scope: string) => `import { defineTool } from '${toolsIndex}';\nexport default defineTool({ name: 'calendar_peek', description: 'Peeks at the calendar.', scopes: { graph: ['${scope}'] }, handler: async () => 'ok' });\n`;
  await writeFile(join(cwd, 'tools', 'peek.ts'), source('Calendars.Raed'));
  const file = await deploymentFile(cwd);
  await writeFile(join(cwd, 'mcp-obo.e2e-dev.json'), JSON.stringify({ ...file, tools: { ...file.tools, modules: ['./tools'] } }, null, 2));
  const before = await permissionSet();
  const bad = await cli(['provision', '--no-secret'], 2);
  assert.match(bad.stderr, /Microsoft Graph publishes no delegated permission "Calendars\.Raed" \(needed by calendar_peek \(tools\/peek\.ts\)\)/);
  assert.deepEqual(await permissionSet(), before);

  await writeFile(join(cwd, 'tools', 'peek.ts'), source('Calendars.Read'));
  await cli(['provision', '--no-secret']);
  assert.ok((await permissionSet()).has(`${GRAPH}/${idOf('graph', 'Calendars.Read')}`));
});
