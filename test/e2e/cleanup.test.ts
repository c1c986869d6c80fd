/**
 * `mcp-obo cleanup`: everything of one deployment goes, nothing else does: not a second
 * deployment whose id shares characters, not look-alikes without mcp-obo's marker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, ndjson, scratch, writes } from '../helpers/cli.ts';
import { assertContract } from '../helpers/contract.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
let a: string; // deployment ab12, the one cleaned up
let b: string; // deployment xab123, alongside
type Obj = Record<string, any> & { id: string };

async function graphAs(method: string, path: string, body?: unknown) {
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Application.ReadWrite.All Group.ReadWrite.All Directory.AccessAsUser.All' });
  const res = await fetch(`${emu.url}/v1.0${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? undefined : res.json();
}

async function armPut(path: string, body: unknown) {
  const token = await emu.mintUserToken({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  const res = await fetch(`${emu.url}${path}?api-version=2025-04-01`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.status < 300, `PUT ${path}: ${res.status}`);
}

const graph = () => emu.state().graph as unknown as Record<string, Obj[]>;
const arm = () => emu.state().arm as Obj[];

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  a = await scratch();
  b = await scratch();
  await init(emu, a, { id: 'ab12' }, cliEnv(emu, 'user'));
  await init(emu, b, { id: 'xab123' }, cliEnv(emu, 'user'));
  for (const cwd of [a, b]) {
    const r = await runCli(['provision', '--consent'], cliEnv(emu, 'user'), { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
  }
  // Untagged look-alikes of deployment ab12: same name patterns, no mcp-obo marker.
  await armPut(`/subscriptions/${emu.subscriptionId}/resourcegroups/rg-other-dev-ab12`, { location: 'eastus', tags: { team: 'someone-else' } });
  // Someone with only tag-write rights marks a group that is not ours with ab12's tag.
  await armPut(`/subscriptions/${emu.subscriptionId}/resourcegroups/rg-prod-payments`, { location: 'eastus', tags: { 'mcp-obo-id': 'ab12', 'mcp-obo-deployment': 'e2e-dev' } });
  await graphAs('POST', '/applications', { displayName: 'MCP OAuth2 OBO Server (other-dev-ab12)' });
  await graphAs('POST', '/groups', { displayName: 'MCP OAuth2 OBO Server Users (other-dev-ab12)', mailEnabled: false, mailNickname: 'someone-elses-group', securityEnabled: true });
  const appId = (await deploymentFile(a)).resources.application.appId;
  await mkdir(join(a, '.vscode'));
  await writeFile(join(a, '.vscode', 'mcp.json'), JSON.stringify({ servers: { 'mcp-obo-e2e-dev-ab12': { type: 'http', url: `https://x/mcp` }, mine: { type: 'stdio', command: 'x' } } }));
  await writeFile(join(a, '.env.e2e-dev.local'), (await readFile(join(a, '.env.e2e-dev.local'), 'utf8')) + 'MY_OWN_SETTING=keep\n');
  assert.ok(appId);
});
after(() => emu?.close());

test('--dry-run lists ours and the look-alikes it keeps, and writes nothing', async () => {
  emu.requests.length = 0;
  const r = await runCli(['cleanup', '--dry-run'], cliEnv(emu, 'user'), { cwd: a, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(writes(emu.requests), []);
  assert.match(r.stdout, /Would delete \(deployment ab12\)/);
  assert.match(r.stdout, /resourceGroup\s+rg-e2e-dev-ab12/);
  assert.match(r.stdout, /application\s+MCP OAuth2 OBO Server \(e2e-dev-ab12\)/);
  assert.match(r.stdout, /group\s+MCP OAuth2 OBO Server Users \(e2e-dev-ab12\)/);
  assert.match(r.stdout, /permissionGrant/);
  assert.match(r.stdout, /Not ours, kept[\s\S]*rg-other-dev-ab12[\s\S]*MCP OAuth2 OBO Server \(other-dev-ab12\)[\s\S]*Users \(other-dev-ab12\)/);
  assert.match(r.stdout, /Not ours, kept[\s\S]*rg-prod-payments \(tagged mcp-obo-id=ab12, but not named rg-e2e-dev-ab12: a tag alone does not make it ours\)/);
  assert.doesNotMatch(r.stdout.split('Not ours')[0]!, /rg-prod-payments/);
  assert.doesNotMatch(r.stdout, /xab123/);
});

test('a group that only carries the tag is never deleted, not even with --include-untagged, nor found by --id', async () => {
  const untagged = await runCli(['cleanup', '--dry-run', '--include-untagged', '--json'], cliEnv(emu, 'user'), { cwd: a, timeoutMs: 60_000 });
  assert.equal(untagged.code, 0, untagged.stderr);
  const found = assertContract('cleanup', untagged.stdout, { ok: true }) && (ndjson(untagged.stdout).find((e) => e.event === 'found') as { delete: { name: string }[]; kept: { name: string; note: string }[] });
  assert.ok(found.delete.some((f) => f.name === 'rg-other-dev-ab12'), 'the untagged look-alike is deleted on request');
  assert.ok(!found.delete.some((f) => f.name === 'rg-prod-payments'));
  assert.ok(found.kept.some((f) => f.name === 'rg-prod-payments'));
  // Without the deployment file, by id: the name must still be rg-{prefix}-{env}-ab12.
  const byId = await runCli(['cleanup', '--dry-run', '--id', 'ab12', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--json'], cliEnv(emu, 'user'), { cwd: await scratch(), timeoutMs: 60_000 });
  const foundById = assertContract('cleanup', byId.stdout, { ok: true }) && (ndjson(byId.stdout).find((e) => e.event === 'found') as { delete: { name: string }[]; kept: { name: string }[] });
  assert.ok(foundById.delete.some((f) => f.name === 'rg-e2e-dev-ab12'));
  assert.ok(!foundById.delete.some((f) => f.name === 'rg-prod-payments'));
});

test('without a terminal and without --yes: exit 2, nothing deleted', async () => {
  emu.requests.length = 0;
  const r = await runCli(['cleanup'], cliEnv(emu, 'user'), { cwd: a, timeoutMs: 60_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs --yes/);
  assert.deepEqual(writes(emu.requests), []);
});

test('a forbidden delete is reported, the rest still goes, and a rerun finishes the job', async () => {
  const dir = await scratch();
  await init(emu, dir, { id: 'fb01' }, cliEnv(emu, 'user'));
  assert.equal((await runCli(['provision', '--no-secret'], cliEnv(emu, 'user'), { cwd: dir, timeoutMs: 120_000 })).code, 0);
  emu.graph.denyWrites(emu.cliUser.oid);
  try {
    const r = await runCli(['cleanup', '--yes'], cliEnv(emu, 'user'), { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cleanup of fb01 is incomplete/);
    assert.match(r.stderr, /Authorization_RequestDenied/);
    assert.ok(!arm().some((x) => String(x.id).toLowerCase().includes('rg-e2e-dev-fb01')), 'the resource group went anyway');
    assert.ok(existsSync(join(dir, 'mcp-obo.e2e-dev.json')), 'the deployment file stays while objects remain');
  } finally {
    emu.graph.allowWrites(emu.cliUser.oid);
  }
  const again = await runCli(['cleanup', '--yes'], cliEnv(emu, 'user'), { cwd: dir, timeoutMs: 60_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.ok(!graph().applications!.some((x) => x.displayName === 'MCP OAuth2 OBO Server (e2e-dev-fb01)'));
});

test('cleanup --yes --purge removes exactly deployment ab12: Azure, Entra, deleted items and local files', async () => {
  const before = { apps: graph().applications!.length, groups: graph().groups!.length };
  const d = await deploymentFile(a);
  const r = await runCli(['cleanup', '--yes', '--purge'], cliEnv(emu, 'user'), { cwd: a, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Deployment ab12 is cleaned up/);

  const g = graph();
  assert.ok(!arm().some((x) => String(x.id).toLowerCase().includes('/resourcegroups/rg-e2e-dev-ab12')), 'resource group and its resources gone');
  assert.ok(!g.applications!.some((x) => x.id === d.resources.application.objectId), 'app gone');
  assert.ok(!g.servicePrincipals!.some((x) => x.id === d.resources.servicePrincipal.objectId), 'service principal gone');
  assert.ok(!g.groups!.some((x) => x.id === d.resources.group.objectId), 'group gone');
  assert.ok(!g.oauth2PermissionGrants!.some((x) => x.clientId === d.resources.servicePrincipal.objectId), 'grants gone');
  assert.ok(!(g.deletedItems ?? []).some((x) => x.id === d.resources.application.objectId), 'purged from deleted items');
  assert.ok(!(g.deletedItems ?? []).some((x) => x.id === d.resources.servicePrincipal.objectId), 'the service principal too');
  assert.equal(g.applications!.length, before.apps - 1);
  assert.equal(g.groups!.length, before.groups - 1);

  // Untouched: the neighbour whose id shares characters, and the look-alikes.
  const other = await deploymentFile(b);
  assert.ok(arm().some((x) => String(x.id).toLowerCase().endsWith('/resourcegroups/rg-e2e-dev-xab123')));
  assert.ok(g.applications!.some((x) => x.id === other.resources.application.objectId));
  assert.ok(g.groups!.some((x) => x.id === other.resources.group.objectId));
  assert.ok(arm().some((x) => String(x.id).toLowerCase().endsWith('/resourcegroups/rg-other-dev-ab12')));
  assert.ok(arm().some((x) => String(x.id).toLowerCase().endsWith('/resourcegroups/rg-prod-payments')), 'the group with only our tag is kept');
  assert.ok(g.applications!.some((x) => x.displayName === 'MCP OAuth2 OBO Server (other-dev-ab12)'));
  assert.ok(g.groups!.some((x) => x.displayName === 'MCP OAuth2 OBO Server Users (other-dev-ab12)'));

  // Local files: the deployment file gone, the secret lines gone, other settings and entries kept.
  assert.ok(!existsSync(join(a, 'mcp-obo.e2e-dev.json')));
  const env = await readFile(join(a, '.env.e2e-dev.local'), 'utf8');
  assert.doesNotMatch(env, /CLIENT_SECRET|CLIENT_ID|MCP_OBO_FACADE_KEY/);
  assert.match(env, /MY_OWN_SETTING=keep/);
  assert.deepEqual(Object.keys(JSON.parse(await readFile(join(a, '.vscode', 'mcp.json'), 'utf8')).servers), ['mine']);
});

test('a second run finds nothing and exits 0', async () => {
  const r = await runCli(['cleanup', '--id', 'ab12', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--yes'], cliEnv(emu, 'user'), { cwd: a, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Not ours, kept|Nothing found/);
  assert.doesNotMatch(r.stdout, /To delete/);
});

test('--list finds deployments whose file is gone; --id cleans one up from anywhere', async () => {
  await rm(join(b, 'mcp-obo.e2e-dev.json'));
  const elsewhere = await scratch();
  const list = await runCli(['cleanup', '--list', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--json'], cliEnv(emu, 'user'), { cwd: elsewhere, timeoutMs: 60_000 });
  assert.equal(list.code, 0, list.stderr);
  const found = (JSON.parse(list.stdout) as { deployments: { id: string; name?: string; location?: string; resources: string[] }[] }).deployments;
  const xab = found.find((x) => x.id === 'xab123');
  assert.ok(xab, JSON.stringify(found));
  assert.equal(xab.name, 'e2e-dev');
  assert.deepEqual([...xab.resources].sort(), ['app registration', 'resource group rg-e2e-dev-xab123']);
  assert.ok(!found.some((x) => x.id === 'ab12'));

  const r = await runCli(['cleanup', '--id', 'xab123', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--yes', '--no-wait'], cliEnv(emu, 'user'), { cwd: elsewhere, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!graph().applications!.some((x) => x.displayName === 'MCP OAuth2 OBO Server (e2e-dev-xab123)'));
});
