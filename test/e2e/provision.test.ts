/**
 * `init --yes` then `provision`, the built CLI as a subprocess against the emulator: what gets
 * created and with which settings, idempotence, dry run, resuming a killed run, and the faults
 * Azure really has (replication delays, throttling).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { BIN, runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, ndjson, REPLICATION, scratch, writes } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';
import { assertContract } from '../helpers/contract.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ propagation: REPLICATION });
  trustCa(emu.caPem);
});

/** What a run killed between addPassword and saving leaves behind: a valid secret no file holds. */
async function addPassword(appObjectId: string, displayName: string): Promise<string> {
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Application.ReadWrite.All' });
  const res = await fetch(`${emu.url}/v1.0/applications/${appObjectId}/addPassword`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ passwordCredential: { displayName } }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { keyId: string }).keyId;
}
after(() => emu?.close());

type Obj = Record<string, unknown> & { id: string };
const byTag = (id: string) => (r: Obj) => (r.tags as Record<string, string> | undefined)?.['mcp-obo-id'] === id;

test('init --yes then provision creates every resource with the settings of the walkthrough', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'ab12' });
  const r = await runCli(['provision', '--json'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const summary = assertContract('provision', r.stdout, { ok: true }) as { steps: { id: string; status: string; action: string }[] };
  assert.ok(summary.steps.every((s) => s.status === 'done'), JSON.stringify(summary.steps));

  const d = await deploymentFile(cwd);
  const state = emu.state();
  const arm = state.arm as Obj[];
  const ours = arm.filter(byTag('ab12'));
  const type = (t: string) => ours.find((x) => String(x.type).toLowerCase() === t.toLowerCase()) as Obj & { properties: Record<string, unknown>; sku?: { name: string }; name: string };

  const rg = arm.find((x) => String(x.id).toLowerCase() === `/subscriptions/${emu.subscriptionId}/resourcegroups/rg-e2e-dev-ab12`);
  assert.ok(rg, 'resource group');
  assert.equal((rg!.tags as Record<string, string>)['mcp-obo-id'], 'ab12');
  const ws = type('Microsoft.OperationalInsights/workspaces');
  assert.equal(ws.name, 'log-e2e-dev-ab12');
  const env = type('Microsoft.App/managedEnvironments');
  assert.equal(env.name, 'cae-e2e-dev-ab12');
  assert.equal((env.properties.appLogsConfiguration as { logAnalyticsConfiguration: { customerId: string } }).logAnalyticsConfiguration.customerId, (ws.properties as { customerId: string }).customerId);
  const acr = type('Microsoft.ContainerRegistry/registries');
  assert.equal(acr.name, 'acre2edevab12');
  assert.equal(acr.sku?.name, 'Basic');
  assert.equal(acr.properties.adminUserEnabled, false);
  const mi = type('Microsoft.ManagedIdentity/userAssignedIdentities');
  assert.equal(mi.name, 'id-e2e-dev-ab12');
  const principalId = (mi.properties as { principalId: string }).principalId;
  const pull = arm.filter((x) => String(x.type) === 'Microsoft.Authorization/roleAssignments' && (x.properties as { principalId: string }).principalId === principalId);
  assert.equal(pull.length, 1, 'one AcrPull assignment');
  assert.match(String((pull[0]!.properties as { roleDefinitionId: string }).roleDefinitionId), /7f951dda-4ed3-4680-a7ca-43fe172d538d$/);
  assert.equal(String((pull[0]!.properties as { scope: string }).scope).toLowerCase(), acr.id.toLowerCase());

  const g = state.graph as unknown as Record<string, Obj[]>;
  const app = g.applications!.find((a) => a.displayName === 'MCP OAuth2 OBO Server (e2e-dev-ab12)') as Obj & Record<string, any>;
  assert.ok(app, 'app registration');
  assert.equal(app.signInAudience, 'AzureADMyOrg');
  assert.deepEqual(app.identifierUris, [`api://${app.appId}`]);
  assert.equal(app.api.requestedAccessTokenVersion, 2);
  const scope = app.api.oauth2PermissionScopes.find((s: { value: string }) => s.value === 'access_as_user');
  assert.ok(scope?.isEnabled);
  assert.deepEqual(app.api.preAuthorizedApplications.map((p: { appId: string }) => p.appId).sort(), ['04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'aebc6443-996d-45c2-90f0-388ff96faa56']);
  for (const p of app.api.preAuthorizedApplications) assert.deepEqual(p.delegatedPermissionIds, [scope.id]);
  // VS Code's, and the authorization facade's callbacks: local serve (any port) and the container app's default host.
  const cae = (emu.state().arm as { type: string; properties: { defaultDomain: string } }[]).find((x) => x.type === 'Microsoft.App/managedEnvironments')!;
  assert.deepEqual([...app.web.redirectUris].sort(), ['http://127.0.0.1:33418/', 'http://localhost:8000/oauth/callback', `https://ca-e2e-dev-ab12.${cae.properties.defaultDomain}/oauth/callback`, 'https://vscode.dev/redirect']);
  const rra = Object.fromEntries(app.requiredResourceAccess.map((r: { resourceAppId: string; resourceAccess: { id: string }[] }) => [r.resourceAppId, r.resourceAccess.map((a) => a.id).sort()]));
  assert.deepEqual(rra['00000003-0000-0000-c000-000000000000'], ['14dad69e-099b-42c9-810b-d002981feec1', '37f7f235-527c-4136-accd-4a02d197296e', '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', 'e1fe6dd8-ba31-4d61-89e7-88639da4683d']);
  assert.deepEqual(rra['499b84ac-1321-427f-aa17-267ca6975798'], ['4ee63f9b-9e65-476c-a487-9fea1e00c7ef']);
  assert.ok(app.tags.includes('mcp-obo-id:ab12'));
  const fics = app.federatedIdentityCredentials as { issuer: string; subject: string; audiences: string[] }[];
  assert.equal(fics.length, 1);
  assert.deepEqual({ ...fics[0], id: undefined, name: undefined, description: undefined }, { issuer: `https://login.microsoftonline.com/${emu.tenantId}/v2.0`, subject: principalId, audiences: ['api://AzureADTokenExchange'], id: undefined, name: undefined, description: undefined });

  const sp = g.servicePrincipals!.find((s) => s.appId === app.appId) as Obj & Record<string, any>;
  assert.equal(sp.appRoleAssignmentRequired, true);
  const group = g.groups!.find((x) => x.displayName === 'MCP OAuth2 OBO Server Users (e2e-dev-ab12)') as Obj & Record<string, any>;
  assert.ok(group && group.securityEnabled && !group.mailEnabled);
  assert.ok(sp.appRoleAssignedTo.some((a: { principalId: string }) => a.principalId === group.id), 'group assigned to the app');

  assert.equal(d.resources.application.appId, app.appId);
  assert.equal(d.resources.identity.principalId, principalId);
  // The deployment's own env file, the server's identity under its own names.
  const envLocal = await readFile(join(cwd, '.env.e2e-dev.local'), 'utf8');
  assert.match(envLocal, new RegExp(`MCP_OBO_CLIENT_ID=${app.appId}`));
  assert.match(envLocal, new RegExp(`MCP_OBO_TENANT_ID=${emu.tenantId}`));
  assert.match(envLocal, /MCP_OBO_CLIENT_SECRET=/);
  assert.doesNotMatch(envLocal, /^AZURE_(CLIENT_ID|CLIENT_SECRET|TENANT_ID)=/m);
  assert.equal((await stat(join(cwd, '.env.e2e-dev.local'))).mode & 0o777, 0o600);
  assert.match(await readFile(join(cwd, '.gitignore'), 'utf8'), /^\.env\.e2e-dev\.local$/m);
  assert.ok(!existsSync(join(cwd, '.env.local')), 'no shared .env.local');
  const secret = /MCP_OBO_CLIENT_SECRET=(.*)/.exec(envLocal)![1]!;
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the secret is never printed');
  assert.ok(!JSON.stringify(d).includes(secret), 'the deployment file holds no secret');

  // Idempotent: a second run writes nothing and says so.
  emu.requests.length = 0;
  const again = await runCli(['provision', '--json'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(writes(emu.requests).map((w) => `${w.method} ${w.path}`), []);
  const steps = (assertContract('provision', again.stdout, { ok: true }) as { steps: { id: string; action: string }[] }).steps;
  for (const s of steps) assert.equal(s.action, s.id === 'groupMember' ? 'skip' : 'unchanged', s.id);
});

test('--dry-run prints the plan and makes no write call', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'dr01' });
  emu.requests.length = 0;
  const r = await runCli(['provision', '--dry-run'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(writes(emu.requests).map((w) => `${w.method} ${w.path}`), []);
  assert.match(r.stdout, /Plan \(nothing was changed\)/);
  assert.match(r.stdout, /resource group\s+create/);
  assert.match(r.stdout, /app registration\s+create/);
  assert.deepEqual((await deploymentFile(cwd)).resources, {});
});

test('a run killed half-way is completed by the next, with no duplicates', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'kl01' });
  const hang = emu.faults.add({ method: 'PUT', path: '/managedEnvironments/cae-e2e-dev-kl01$', hang: true });
  const child = spawn(process.execPath, [BIN, 'provision'], { cwd, env: cliEnv(emu, 'deployer'), stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!emu.requests.some((q) => q.method === 'PUT' && q.path.endsWith('/managedEnvironments/cae-e2e-dev-kl01')) || !(await deploymentFile(cwd)).resources.federatedCredential) {
    if (Date.now() > deadline) throw new Error('the run never reached the environment');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  emu.faults.remove(hang);
  const partial = await deploymentFile(cwd);
  assert.equal(partial.resources.environment, undefined, 'the environment was not finished');
  // Whether or not the killed run got as far as the secret, make the worst case certain: one of
  // ours that no file holds (killed after addPassword), and one the user made by hand.
  const orphan = await addPassword(partial.resources.application.objectId, 'mcp-obo local (e2e-dev-kl01)');
  const users = await addPassword(partial.resources.application.objectId, 'my own secret');

  const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const state = emu.state();
  const g = state.graph as unknown as Record<string, Obj[]>;
  assert.equal(g.applications!.filter((a) => (a.tags as string[]).includes('mcp-obo-id:kl01')).length, 1);
  assert.equal(g.groups!.filter((x) => x.displayName === 'MCP OAuth2 OBO Server Users (e2e-dev-kl01)').length, 1);
  const app = g.applications!.find((a) => (a.tags as string[]).includes('mcp-obo-id:kl01'))!;
  assert.equal((app.federatedIdentityCredentials as unknown[]).length, 1);
  const keys = (app.passwordCredentials as { keyId: string }[]).map((p) => p.keyId);
  assert.equal(keys.length, 2, 'one secret of ours, and the user\'s');
  assert.ok(keys.includes(users), 'the user\'s secret is kept');
  assert.ok(!keys.includes(orphan), 'the orphan is removed');
  assert.ok(keys.includes((await deploymentFile(cwd)).resources.clientSecret.keyId), 'the saved secret is the one left');
  const mi = (state.arm as Obj[]).find((x) => x.name === 'id-e2e-dev-kl01') as Obj & { properties: { principalId: string } };
  assert.equal((state.arm as Obj[]).filter((x) => x.type === 'Microsoft.Authorization/roleAssignments' && (x.properties as { principalId: string }).principalId === mi.properties.principalId).length, 1);
  assert.ok((await deploymentFile(cwd)).resources.environment);
});

test('replication delays and throttling are waited out', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'pd01' });
  emu.setPropagation({ graphMs: 1500, principalMs: 1500 });
  emu.arm.forcePrincipalNotFound(2);
  emu.faults.add({ method: 'POST', path: '^/v1.0/groups$', status: 429, retryAfter: 1, times: 1 });
  emu.faults.add({ method: 'PUT', path: '/workspaces/log-e2e-dev-pd01$', status: 503, times: 1 });
  try {
    const r = await runCli(['provision'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const d = await deploymentFile(cwd);
    for (const key of ['acrPull', 'servicePrincipal', 'groupAssignment', 'federatedCredential', 'clientSecret']) assert.ok(d.resources[key], key);
    assert.ok(emu.requests.some((q) => q.status === 400 && /roleAssignments/.test(q.path)), 'PrincipalNotFound was seen');
    assert.ok(emu.requests.some((q) => q.status === 429 && q.path === '/v1.0/groups'), 'throttled');
  } finally {
    emu.setPropagation(REPLICATION);
    emu.faults.clear();
  }
});

test('signed in as a user (Azure CLI), the user is added to the users group', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'us01' }, cliEnv(emu, 'user'));
  const r = await runCli(['provision'], cliEnv(emu, 'user'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const group = (emu.state().graph as unknown as Record<string, Obj[]>).groups!.find((x) => x.displayName === 'MCP OAuth2 OBO Server Users (e2e-dev-us01)')!;
  assert.deepEqual(group.members, [emu.cliUser.oid]);
  assert.equal((await deploymentFile(cwd)).resources.groupMember.userObjectId, emu.cliUser.oid);
});

/** An ARM request as another administrator of the subscription (the default user). */
async function armAs(method: string, path: string, body?: unknown): Promise<Response> {
  const token = await emu.mintUserToken({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  return fetch(`${emu.url}${path}?api-version=2025-11-01`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

test('the registry pins LegacyRegistryPermissions; one switched to ABAC mode (AcrPull not honoured) is switched back', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'ra01' });
  emu.requests.length = 0;
  assert.equal((await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 })).code, 0);
  const put = emu.requests.find((q) => q.method === 'PUT' && /\/registries\/acre2edevra01$/.test(q.path));
  assert.equal((put?.body as { properties: { roleAssignmentMode?: string } }).properties.roleAssignmentMode, 'LegacyRegistryPermissions');

  const registryId = (await deploymentFile(cwd)).resources.registry.id as string;
  const patched = await armAs('PATCH', registryId, { properties: { roleAssignmentMode: 'AbacRepositoryPermissions' } });
  assert.equal(patched.status, 200, await patched.text());
  const plan = await runCli(['provision', '--dry-run', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /container registry\s+update \(role assignment mode AbacRepositoryPermissions -> LegacyRegistryPermissions\)/);
  assert.equal((await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 })).code, 0);
  const acr = (emu.state().arm as Obj[]).find((x) => String(x.id).toLowerCase() === registryId.toLowerCase()) as Obj & { properties: { roleAssignmentMode: string } };
  assert.equal(acr.properties.roleAssignmentMode, 'LegacyRegistryPermissions');
});

/** A Graph request as an administrator of the tenant (the default user). */
async function graphAs<T = Record<string, any>>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Application.ReadWrite.All Group.ReadWrite.All Directory.AccessAsUser.All' });
  const res = await fetch(`${emu.url}/v1.0${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

test("an administrator's additions to the app registration survive provision; ours are merged back in", async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'ad01' });
  assert.equal((await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 })).code, 0);
  const { objectId, scopeId } = (await deploymentFile(cwd)).resources.application;
  const app = await graphAs('GET', `/applications/${objectId}`);
  assert.ok(app.web.redirectUris.includes('http://localhost:8000/oauth/callback'), 'the OAuth facade\'s local callback');
  // What an administrator adds by hand: a redirect URI, a scope, a client pre-authorised for it, a permission.
  const adminScope = { id: randomUUID(), value: 'reports.read', type: 'User', isEnabled: true, adminConsentDisplayName: 'Read reports', adminConsentDescription: 'Read reports' };
  const partner = randomUUID();
  const vscode = 'aebc6443-996d-45c2-90f0-388ff96faa56';
  await graphAs('PATCH', `/applications/${objectId}`, {
    web: { redirectUris: [...app.web.redirectUris, 'https://portal.contoso.com/callback'] },
    api: {
      oauth2PermissionScopes: [...app.api.oauth2PermissionScopes, adminScope],
      preAuthorizedApplications: [
        ...app.api.preAuthorizedApplications.map((p: { appId: string; delegatedPermissionIds: string[] }) => (p.appId === vscode ? { ...p, delegatedPermissionIds: [...p.delegatedPermissionIds, adminScope.id] } : p)),
        { appId: partner, delegatedPermissionIds: [adminScope.id] },
      ],
    },
    requiredResourceAccess: app.requiredResourceAccess.map((r: { resourceAppId: string; resourceAccess: object[] }) =>
      r.resourceAppId === '00000003-0000-0000-c000-000000000000' ? { ...r, resourceAccess: [...r.resourceAccess, { id: '570282fd-fa5c-430d-a7fd-fc8dc98a9dca', type: 'Scope' }] } : r),
  });

  emu.requests.length = 0;
  const again = await runCli(['provision', '--no-secret', '--json'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(again.code, 0, again.stderr);
  const steps = (ndjson(again.stdout).find((e) => e.event === 'result') as { steps: { id: string; action: string }[] }).steps;
  assert.equal(steps.find((s) => s.id === 'application')!.action, 'unchanged', 'ours are all there: nothing to write');
  assert.deepEqual(writes(emu.requests).filter((w) => w.path.startsWith('/v1.0/applications')).map((w) => `${w.method} ${w.path}`), []);

  // The administrator then drops one of ours: it comes back, theirs stay.
  const before = await graphAs('GET', `/applications/${objectId}`);
  await graphAs('PATCH', `/applications/${objectId}`, { web: { redirectUris: before.web.redirectUris.filter((u: string) => u !== 'https://vscode.dev/redirect') } });
  const third = await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(third.code, 0, third.stderr);
  const after = await graphAs('GET', `/applications/${objectId}`);
  assert.ok(after.web.redirectUris.includes('https://vscode.dev/redirect'));
  assert.ok(after.web.redirectUris.includes('https://portal.contoso.com/callback'));
  assert.ok(after.api.oauth2PermissionScopes.some((s: { id: string; isEnabled: boolean }) => s.id === adminScope.id && s.isEnabled));
  assert.ok(after.api.oauth2PermissionScopes.some((s: { id: string }) => s.id === scopeId));
  const pre = Object.fromEntries(after.api.preAuthorizedApplications.map((p: { appId: string; delegatedPermissionIds: string[] }) => [p.appId, [...p.delegatedPermissionIds].sort()]));
  assert.deepEqual(pre[vscode], [adminScope.id, scopeId].sort());
  assert.deepEqual(pre[partner], [adminScope.id]);
  assert.deepEqual(pre['04b07795-8ddb-461a-bbee-02f9e1bf7b46'], [scopeId]);
  const graphPerms = after.requiredResourceAccess.find((r: { resourceAppId: string }) => r.resourceAppId === '00000003-0000-0000-c000-000000000000').resourceAccess.map((a: { id: string }) => a.id);
  assert.ok(graphPerms.includes('570282fd-fa5c-430d-a7fd-fc8dc98a9dca') && graphPerms.includes('e1fe6dd8-ba31-4d61-89e7-88639da4683d'));
});

test('--dry-run after drift (resource group deleted outside the tool) shows the true plan; the run then matches it', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'dd01' });
  assert.equal((await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 })).code, 0);
  const oldPrincipal = (await deploymentFile(cwd)).resources.identity.principalId;
  const del = await armAs('DELETE', `/subscriptions/${emu.subscriptionId}/resourcegroups/rg-e2e-dev-dd01`);
  assert.equal(del.status, 202);
  while ((await armAs('GET', `/subscriptions/${emu.subscriptionId}/resourcegroups/rg-e2e-dev-dd01`)).status !== 404) await new Promise((r) => setTimeout(r, 20));

  emu.requests.length = 0;
  const plan = await runCli(['provision', '--dry-run', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 60_000 });
  assert.equal(plan.code, 0, plan.stderr);
  assert.deepEqual(writes(emu.requests), []);
  assert.doesNotMatch(plan.stdout, /FAILED/);
  assert.match(plan.stdout, /resource group\s+create\n/);
  assert.match(plan.stdout, /AcrPull role for the identity on the registry\s+create \(registry, identity known after apply\)/);
  assert.match(plan.stdout, /federated credential for the managed identity\s+update \(subject; identity known after apply\)/);
  assert.match(plan.stdout, /app registration\s+unchanged/);

  const r = await runCli(['provision', '--no-secret', '--json'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const steps = Object.fromEntries((ndjson(r.stdout).find((e) => e.event === 'result') as { steps: { id: string; action: string }[] }).steps.map((s) => [s.id, s.action]));
  assert.equal(steps.federatedCredential, 'update');
  assert.equal(steps.acrPull, 'create');
  const d = await deploymentFile(cwd);
  assert.notEqual(d.resources.identity.principalId, oldPrincipal);
  const app = (emu.state().graph.applications as Array<{ id: string; federatedIdentityCredentials: Array<{ subject: string }> }>).find((a) => a.id === d.resources.application.objectId)!;
  assert.deepEqual(app.federatedIdentityCredentials.map((f) => f.subject), [d.resources.identity.principalId]);
});

test('a tenant without Entra ID P1/P2: the signed-in user is assigned directly, and the run says so', async () => {
  emu.graph.premium(false);
  try {
    const cwd = await scratch();
    await init(emu, cwd, { id: 'pp1a' }, cliEnv(emu, 'user'));
    const r = await runCli(['provision', '--no-secret'], cliEnv(emu, 'user'), { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✔ group assigned to the app\s+created \(you directly: no Entra ID P1\/P2\)/);
    assert.match(r.stdout, /Note: This tenant has no Microsoft Entra ID P1\/P2, so the users group cannot be assigned to the app: you were assigned directly\./);
    const d = await deploymentFile(cwd);
    assert.equal(d.resources.groupAssignment.principalType, 'User');
    const sp = (emu.state().graph.servicePrincipals as Array<{ id: string; appRoleAssignedTo: { principalId: string }[] }>).find((s) => s.id === d.resources.servicePrincipal.objectId)!;
    assert.deepEqual(sp.appRoleAssignedTo.map((a) => a.principalId), [emu.cliUser.oid]);
    const again = await runCli(['provision', '--no-secret', '--json'], cliEnv(emu, 'user'), { cwd, timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((ndjson(again.stdout).find((e) => e.event === 'result') as { steps: { id: string; action: string }[] }).steps.find((s) => s.id === 'groupAssignment')!.action, 'unchanged');
  } finally {
    emu.graph.premium(true);
  }
});

test('without P1/P2 and unable to read the tenant\'s plans: Graph\'s refusal of the group triggers the same fallback; a service principal is told to assign users', async () => {
  emu.graph.premium(false);
  const hidden = emu.faults.add({ method: 'GET', path: '^/v1.0/organization$', status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } });
  try {
    const cwd = await scratch();
    await init(emu, cwd, { id: 'pp1b' }, cliEnv(emu, 'user'));
    const r = await runCli(['provision', '--no-secret'], cliEnv(emu, 'user'), { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /you were assigned directly/);
    assert.equal((await deploymentFile(cwd)).resources.groupAssignment.principalType, 'User');
    emu.faults.remove(hidden);
    const ci = await scratch();
    await init(emu, ci, { id: 'pp1c' });
    const sp = await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd: ci, timeoutMs: 120_000 });
    assert.equal(sp.code, 0, sp.stderr);
    assert.match(sp.stdout, /○ group assigned to the app\s+skipped \(no Entra ID P1\/P2: assign users by hand\)/);
    assert.match(sp.stdout, /Note: .*assign each user to "MCP OAuth2 OBO Server \(e2e-dev-pp1c\)"/);
  } finally {
    emu.faults.clear();
    emu.graph.premium(true);
  }
});

test('long-running operations: ARM\'s Retry-After paces the polls, not MCP_OBO_POLL_INTERVAL_MS', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'lr01' });
  emu.setLatency({ 'Microsoft.App/managedEnvironments': 2500 });
  try {
    emu.requests.length = 0;
    const r = await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const polls = emu.requests.filter((q) => q.method === 'GET' && /\/providers\/Microsoft\.App\/locations\/[^/]+\/\w*operationStatuses\//i.test(q.path));
    // Every 20 ms would be ~125 polls in 2.5 s; Retry-After: 1 allows about three.
    assert.ok(polls.length >= 1 && polls.length <= 5, `${polls.length} polls`);
  } finally {
    emu.setLatency({ 'Microsoft.App/managedEnvironments': 0 });
  }
});
