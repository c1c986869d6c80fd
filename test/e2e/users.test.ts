/**
 * `mcp-obo users`: who may sign in. A second user is refused (AADSTS50105, with the command that
 * fixes it, the group by its name) until `users add`, then `mcp-obo test` passes as them; a group is
 * assigned to the app, never nested (Entra counts only an assigned group's direct members); `users
 * remove` takes the access away again. Unknown names change nothing (exit 2).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Emulator } from '../emulator/index.ts';
import { runCli, type ServeProcess } from '../helpers/serve.ts';
import { deploymentFile, runSuggested, suggestedCommands, writes } from '../helpers/cli.ts';
import { provisioned, type Provisioned } from '../helpers/provisioned.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
let serve: ServeProcess;
let group: { objectId: string; displayName: string };

let setup: Provisioned;
before(async () => {
  setup = await provisioned({ id: 'us01', serve: true });
  ({ emu, cwd, env } = setup);
  serve = setup.serve!;
  group = (await deploymentFile(cwd)).resources.group;
});
after(() => setup?.close());

const testAs = (oid: string) => runCli(['test', '--url', serve.url.replace('127.0.0.1', 'localhost'), '--json'], { ...env, MCP_OBO_FAKE_AZ_USER: oid }, { cwd, timeoutMs: 60_000 });
type Checks = { checks: { name: string; ok: boolean; detail: string; advice?: string }[] };
const graphAs = async (method: string, path: string, body?: unknown) => {
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Group.ReadWrite.All' });
  const res = await fetch(`${emu.url}/v1.0${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.status === 204 ? undefined : ((await res.json()) as Record<string, string>);
};

test('a second user is refused with the fix and the group by its name; after `users add`, `mcp-obo test` passes as them', async () => {
  const ada = emu.addUser({ displayName: 'Ada Lovelace', userPrincipalName: 'ada@contoso.example' });
  const before = await testAs(ada.oid);
  assert.equal(before.code, 1, before.stdout);
  const failed = (JSON.parse(before.stdout) as Checks).checks.find((c) => !c.ok)!;
  assert.match(failed.detail, /AADSTS50105/);
  assert.match(failed.advice!, new RegExp(`not a member of "${group.displayName.replace(/[()]/g, '\\$&')}", the users group of e2e-dev: \`mcp-obo users add <your sign-in name> --deployment e2e-dev\``));
  assert.doesNotMatch(before.stdout, /\(\.\.\.\)|\(…\)/, 'no placeholder group name');

  // The command the advice prints, as printed, with her name for the placeholder.
  const add = await runSuggested(suggestedCommands(failed.advice!)[0]!, { 'your sign-in name': 'ada@contoso.example' }, env, { cwd, timeoutMs: 60_000 });
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, `Ada Lovelace <ada@contoso.example>: added to the users group "${group.displayName}"\n`);
  const again = await runCli(['users', 'add', ada.oid], env, { cwd, timeoutMs: 60_000 });
  assert.match(again.stdout, /Ada Lovelace <ada@contoso\.example>: already a member/);

  const after = await testAs(ada.oid);
  assert.equal(after.code, 0, after.stdout);
  const list = JSON.parse((await runCli(['users', 'list', '--json'], env, { cwd, timeoutMs: 60_000 })).stdout) as { group: { name: string; assigned: boolean }; members: { kind: string; name: string }[] };
  assert.deepEqual(list.group.name, group.displayName);
  assert.equal(list.group.assigned, true);
  assert.ok(list.members.some((m) => m.name === 'Ada Lovelace <ada@contoso.example>'));
  assert.ok(list.members.some((m) => m.kind === 'user' && m.name.includes(emu.cliUser.userPrincipalName)), 'provision added the user who ran it');

  const remove = await runCli(['users', 'remove', 'ada@contoso.example'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(remove.code, 0, remove.stderr);
  assert.match(remove.stdout, /removed from the users group/);
  assert.equal((await testAs(ada.oid)).code, 1, 'access is gone again');
});

test('a group is assigned to the app (its direct members may sign in), not nested; a nested one is listed with a warning', async () => {
  const grace = emu.addUser({ displayName: 'Grace Hopper', userPrincipalName: 'grace@contoso.example' });
  const pilots = (await graphAs('POST', '/groups', { displayName: 'MCP pilots', mailEnabled: false, mailNickname: 'mcp-pilots', securityEnabled: true }))!;
  await graphAs('POST', `/groups/${pilots.id}/members/$ref`, { '@odata.id': `${emu.url}/v1.0/directoryObjects/${grace.oid}` });

  const add = await runCli(['users', 'add', 'MCP pilots'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, 'MCP pilots: assigned to the app\n');
  assert.match(add.stderr, /MCP pilots's direct members may now sign in \(Entra does not pass an app assignment on to nested groups\)/);
  assert.equal((await testAs(grace.oid)).code, 0, 'a member of the assigned group passes');

  // Someone nests a group in the users group by hand: its members get nothing, and the list says so.
  const nested = (await graphAs('POST', '/groups', { displayName: 'Nested team', mailEnabled: false, mailNickname: 'nested-team', securityEnabled: true }))!;
  await graphAs('POST', `/groups/${group.objectId}/members/$ref`, { '@odata.id': `${emu.url}/v1.0/directoryObjects/${nested.id}` });
  const list = await runCli(['users', 'list'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^Users group "${group.displayName.replace(/[()]/g, '\\$&')}" \\(assigned to the app`, 'm'));
  assert.match(list.stdout, /group\s+Nested team\s+\S+\n\s+nested: its members get NO access/);
  assert.match(list.stdout, /Assigned to the app directly:\n\s+group\s+MCP pilots/);

  const remove = await runCli(['users', 'remove', 'MCP pilots'], env, { cwd, timeoutMs: 60_000 });
  assert.match(remove.stdout, /MCP pilots: assignment removed/);
  assert.equal((await testAs(grace.oid)).code, 1);
});

test('unknown or ambiguous names are bad input: exit 2, nothing changed', async () => {
  emu.requests.length = 0;
  const r = await runCli(['users', 'add', 'nobody@contoso.example', 'ada@contoso.example'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no user or group "nobody@contoso\.example" in the tenant/);
  await graphAs('POST', '/groups', { displayName: 'Twins', mailEnabled: false, mailNickname: 'twins-1', securityEnabled: true });
  await graphAs('POST', '/groups', { displayName: 'Twins', mailEnabled: false, mailNickname: 'twins-2', securityEnabled: true });
  const twins = await runCli(['users', 'add', 'Twins'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(twins.code, 2);
  assert.match(twins.stderr, /2 groups are named "Twins"/);
  const self = await runCli(['users', 'remove', group.displayName], env, { cwd, timeoutMs: 60_000 });
  assert.equal(self.code, 2);
  assert.match(self.stderr, /is the deployment's users group itself/);
  assert.deepEqual(writes(emu.requests).filter((w) => /\/members\/|appRoleAssignedTo/.test(w.path)), []);
});
