/**
 * `mcp-obo pipeline github` end to end: the plan (--dry-run), the identity with federated credentials
 * for exactly the workflow's subjects (GitHub's immutable form, read through the fake gh), its roles,
 * the repository variable and the workflow; then the workflow's own steps, run as a hosted runner
 * runs them, deploy as that identity (no directory call, the domain already bound) through a
 * simulated 20 minutes that outlive a GitHub token, and the next step signs in afresh. Cleanup removes
 * all of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch, writes } from '../helpers/cli.ts';
import { assertContract } from '../helpers/contract.ts';
import { runWorkflowStep } from '../helpers/workflow.ts';
import { trustCa } from '../helpers/trust.ts';

const exec = promisify(execFile);
const DOMAIN = 'mcp.contoso.test';
const PREFIX = 'repo:contoso@10342118/mcp-server@9024771';
const WORKFLOW = '.github/workflows/mcp-obo-e2e-dev.yml';
let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
let ghState: string;
type Obj = Record<string, any>;

const gh = async () => JSON.parse(await readFile(ghState, 'utf8')) as { repos: Record<string, { variables?: Record<string, string> }> };
const arm = () => emu.state().arm as Obj[];

async function gitRepo(dir: string) {
  const git = (...a: string[]) => exec('git', ['-C', dir, ...a]);
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'dev@contoso.test');
  await git('config', 'user.name', 'Dev');
  await git('remote', 'add', 'origin', 'https://github.com/contoso/mcp-server.git');
  return git;
}

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  emu.graph.addDomain('contoso.test', true);
  cwd = await scratch();
  const git = await gitRepo(cwd);
  ghState = join(cwd, '..', `gh-state-${Date.now()}.json`);
  await writeFile(ghState, JSON.stringify({ repos: { 'contoso/mcp-server': { default_branch: 'main', id: 9024771, owner_id: 10342118, oidc: { use_default: true, use_immutable_subject: true, sub_claim_prefix: PREFIX }, variables: {} } } }));
  emu.github.job = { owner: 'contoso', repo: 'mcp-server', ownerId: 10342118, repoId: 9024771, ref: 'refs/heads/main', event: 'push', immutable: true };
  env = cliEnv(emu, 'user', { MCP_OBO_FAKE_GH_STATE: ghState });
  await init(emu, cwd, { id: 'pl01' }, env);
  assert.equal((await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 })).code, 0);
  // A first deploy by hand, as the quick start does. (In Azure the pipeline's first deploy needs no directory
  // right either: provision registers the app's default host; the emulator's ingress host is 127.0.0.1:<port>.)
  const first = await runCli(['deploy'], env, { cwd, timeoutMs: 240_000 });
  assert.equal(first.code, 0, first.stderr);
  await git('add', 'mcp-obo.e2e-dev.json');
  await git('commit', '-q', '-m', 'deployment');
});
after(() => emu?.close());

test('--dry-run shows the identity, the subjects GitHub will present, the roles, variable and workflow, and changes nothing', async () => {
  const before = emu.requests.length;
  // What init recorded (how this checkout of mcp-obo can be installed, when its remote says): the dry run must not change it.
  const installBefore = (await deploymentFile(cwd)).install;
  const r = await runCli(['pipeline', 'github', '--dry-run', '--install', 'mcp-obo@0.1.0', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const doc = assertContract('pipeline', r.stdout, { ok: true });
  assert.equal(doc.dryRun, true);
  assert.deepEqual(doc.identity, { kind: 'managedIdentity', name: 'id-e2e-dev-pl01-github', clientId: null, principalId: null, id: null });
  assert.deepEqual(doc.subjects.map((s: Obj) => s.subject), [`${PREFIX}:ref:refs/heads/main`]);
  assert.equal(doc.subjectSource, 'github');
  assert.deepEqual(doc.roles.map((x: Obj) => x.role), ['Contributor']);
  assert.deepEqual(doc.steps.map((s: Obj) => [s.id, s.action]), [['pipelineIdentity', 'create'], ['pipelineCredentials', 'create'], ['pipelineRoles', 'create'], ['pipelineVariable', 'create'], ['pipelineWorkflow', 'create']]);
  assert.deepEqual(writes(emu.requests.slice(before)), []);
  assert.ok(!existsSync(join(cwd, WORKFLOW)));
  assert.deepEqual((await gh()).repos['contoso/mcp-server']!.variables, {});
  assert.deepEqual((await deploymentFile(cwd)).install, installBefore, 'a dry run records nothing');
});

test('pipeline github: identity, federated credential, Contributor on the group only, repository variable, workflow', async () => {
  const r = await runCli(['pipeline', 'github', '--install', 'mcp-obo@0.1.0', '--json'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const doc = assertContract('pipeline', r.stdout, { ok: true });
  const mi = arm().find((x) => x.type === 'Microsoft.ManagedIdentity/userAssignedIdentities' && x.name === 'id-e2e-dev-pl01-github')!;
  assert.equal(mi.tags['mcp-obo-id'], 'pl01');
  assert.equal(doc.identity.clientId, mi.properties.clientId);
  const fics = arm().filter((x) => x.type === 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials' && String(x.id).startsWith(mi.id));
  assert.deepEqual(fics.map((f) => [f.name, f.properties.issuer, f.properties.subject, f.properties.audiences]), [['github-branch-main', 'https://token.actions.githubusercontent.com', `${PREFIX}:ref:refs/heads/main`, ['api://AzureADTokenExchange']]]);
  const roles = arm().filter((x) => x.type === 'Microsoft.Authorization/roleAssignments' && x.properties.principalId === mi.properties.principalId);
  assert.deepEqual(roles.map((x) => [x.properties.roleDefinitionId.split('/').pop(), x.properties.scope]), [['b24988ac-6180-42a0-ab88-20f7382dd24c', `/subscriptions/${emu.subscriptionId}/resourceGroups/rg-e2e-dev-pl01`]]);
  assert.deepEqual((await gh()).repos['contoso/mcp-server']!.variables, { MCP_OBO_CLIENT_ID_E2E_DEV: mi.properties.clientId });
  const yml = await readFile(join(cwd, WORKFLOW), 'utf8');
  const wf = parse(yml) as Obj;
  assert.deepEqual(wf.on.push.branches, ['main']);
  assert.match(wf.jobs.deploy.steps.find((s: Obj) => /^Install/.test(s.name)).run, /npm install --global --no-audit --no-fund mcp-obo@0\.1\.0/);
  const d = await deploymentFile(cwd);
  assert.deepEqual(d.install, { kind: 'registry', version: '0.1.0', spec: 'mcp-obo@0.1.0' });
  assert.deepEqual([d.resources.pipeline.clientId, d.resources.pipeline.subjects, d.resources.pipeline.workflow, d.resources.pipeline.variable], [mi.properties.clientId, [`${PREFIX}:ref:refs/heads/main`], WORKFLOW, 'MCP_OBO_CLIENT_ID_E2E_DEV']);
  assert.ok(doc.notes.some((n: string) => /^commit \.github\/workflows\/mcp-obo-e2e-dev\.yml and push to main/.test(n)), doc.notes.join('\n'));
});

test('a rerun changes nothing', async () => {
  const before = emu.requests.length;
  const r = await runCli(['pipeline', 'github', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(assertContract('pipeline', r.stdout, { ok: true }).steps.every((s: Obj) => s.action === 'unchanged'), r.stdout);
  assert.deepEqual(writes(emu.requests.slice(before)), []);
});

const runnerFor = async () => ({ root: cwd, env: cliEnv(emu, 'nobody', emu.github.runnerEnv()), vars: (await gh()).repos['contoso/mcp-server']!.variables! });

test("the workflow's steps, as the identity: a deploy through 20 simulated minutes, with no directory call; the next step signs in afresh", async () => {
  const yml = await readFile(join(cwd, WORKFLOW), 'utf8');
  // A deploy of the context the running image was built from builds nothing: run an image pushed by
  // other means first, so the workflow's deploy has a build to do.
  const registry = (await deploymentFile(cwd)).resources.registry;
  emu.acr.pushImage(registry.name, 'mcp-obo:by-hand');
  const byHand = await runCli(['deploy', '--image', `${registry.loginServer}/mcp-obo:by-hand`], env, { cwd, timeoutMs: 240_000 });
  assert.equal(byHand.code, 0, byHand.stderr);
  const runner = await runnerFor();
  emu.setLatency({ 'Microsoft.ContainerRegistry/registries/runs': 1500 });
  const start = emu.requests.length;
  const issued = emu.github.issued;
  const step = await runWorkflowStep(yml, 'deploy', 'Deploy', runner);
  // While the image builds, 20 minutes pass: the GitHub token the deploy signed in with (5 minutes) expires.
  for (let i = 0; !emu.requests.slice(start).some((x) => /\/scheduleRun$/i.test(x.path)); i++) {
    assert.ok(i < 1200, 'the build started');
    await new Promise((res) => setTimeout(res, 50));
  }
  emu.clock.advance(20 * 60_000);
  const deployed = await step.done();
  emu.setLatency({ 'Microsoft.ContainerRegistry/registries/runs': 200 });
  assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
  const url = `https://${(await deploymentFile(cwd)).resources.containerApp.fqdn}/mcp`;
  assert.equal(deployed.outputs['mcp-url'], url, 'the result was read from the NDJSON');
  assert.match(deployed.summary, new RegExp(`Deployed ${url} \\(revision ca-e2e-dev-pl01--`));
  const during = emu.requests.slice(start);
  assert.deepEqual(during.filter((x) => x.path.startsWith('/v1.0/')).map((x) => `${x.method} ${x.path}`), [], 'no directory call');
  assert.ok(emu.github.issued > issued, 'signed in with a token from the runtime');

  const afterDeploy = emu.github.issued;
  const check = await (await runWorkflowStep(yml, 'deploy', 'Check the deployed server', runner)).done();
  assert.equal(check.code, 0, check.stderr + check.stdout);
  assert.match(check.stdout, /✔ health: 200 healthy/);
  assert.ok(emu.github.issued > afterDeploy, 'a fresh GitHub token, 20 minutes after the first');
});

test('once an administrator has bound a domain, the identity deploys to it with no directory right', async () => {
  const token = await emu.mintUserToken({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  const zone = await fetch(`${emu.url}/subscriptions/${emu.subscriptionId}/resourceGroups/rg-e2e-dev-pl01/providers/Microsoft.Network/dnsZones/contoso.test?api-version=2018-05-01`, {
    method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'global' }),
  });
  assert.ok(zone.status < 300);
  const d = await deploymentFile(cwd);
  const bound = await runCli(['deploy', '--domain', DOMAIN, '--dns-zone', 'contoso.test', '--image', d.resources.containerApp.image], env, { cwd, timeoutMs: 240_000 });
  assert.equal(bound.code, 0, bound.stderr);
  const start = emu.requests.length;
  const r = await (await runWorkflowStep(await readFile(join(cwd, WORKFLOW), 'utf8'), 'deploy', 'Deploy', await runnerFor())).done();
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.outputs['mcp-url'], `https://${DOMAIN}/mcp`);
  assert.deepEqual(emu.requests.slice(start).filter((x) => x.path.startsWith('/v1.0/')).map((x) => `${x.method} ${x.path}`), [], 'neither GET /domains nor the app registration');
});

test('its role is what lets it deploy: without it ARM refuses (explained), and a rerun of pipeline github puts it back', async () => {
  const d = await deploymentFile(cwd);
  const token = await emu.mintUserToken({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  for (const id of d.resources.pipeline.roleAssignments as string[]) {
    const del = await fetch(`${emu.url}${id}?api-version=2022-04-01`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.ok(del.status < 300, `delete ${id}: ${del.status}`);
  }
  const yml = await readFile(join(cwd, WORKFLOW), 'utf8');
  const refused = await (await runWorkflowStep(yml, 'deploy', 'Deploy', await runnerFor())).done();
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /"code":"authorization-failed"/);
  const fix = await runCli(['pipeline', 'github', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.deepEqual(assertContract('pipeline', fix.stdout, { ok: true }).steps.filter((s: Obj) => s.action !== 'unchanged').map((s: Obj) => s.id), ['pipelineRoles']);
  const again = await (await runWorkflowStep(yml, 'deploy', 'Deploy', await runnerFor())).done();
  assert.equal(again.code, 0, again.stderr + again.stdout);
});

test('the deploy step fails with the error of the result, as an annotation', async () => {
  const yml = await readFile(join(cwd, WORKFLOW), 'utf8');
  const step = await runWorkflowStep(yml, 'deploy', 'Deploy', { root: cwd, env: cliEnv(emu, 'nobody', emu.github.runnerEnv()), vars: { MCP_OBO_CLIENT_ID_E2E_DEV: '11111111-1111-1111-1111-111111111111' } });
  const r = await step.done();
  assert.equal(r.code, 1);
  assert.match(r.stdout, /::error title=mcp-obo deploy::signing in: AADSTS700016 .*names no app or managed identity/);
});

test('another branch set, an environment and pull requests: credentials follow the triggers, stale ones go', async () => {
  const r = await runCli(['pipeline', 'github', '--branch', 'main', '--environment', 'production', '--pull-request', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assertContract('pipeline', r.stdout, { ok: true });
  const fics = arm().filter((x) => x.type === 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials');
  assert.deepEqual(fics.map((f) => f.properties.subject).sort(), [`${PREFIX}:environment:production`, `${PREFIX}:pull_request`]);
  const wf = parse(await readFile(join(cwd, WORKFLOW), 'utf8')) as Obj;
  assert.equal(wf.jobs.deploy.environment, 'production');
  assert.deepEqual(wf.on.pull_request.branches, ['main']);
  assert.ok(wf.jobs.check);
});

test('cleanup removes the identity with the group, the workflow and the repository variable', async () => {
  const r = await runCli(['cleanup', '--yes', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const doc = assertContract('cleanup', r.stdout, { ok: true });
  assert.ok(doc.deleted.some((x: Obj) => x.kind === 'repositoryVariable'));
  assert.ok(!existsSync(join(cwd, WORKFLOW)));
  assert.deepEqual((await gh()).repos['contoso/mcp-server']!.variables, {});
  assert.ok(!arm().some((x) => x.type === 'Microsoft.ManagedIdentity/userAssignedIdentities' && x.name === 'id-e2e-dev-pl01-github'));
});

test('--app without gh: an app registration, the name-based subject with a warning, the variable printed; cleanup removes the app', async () => {
  const dir = await scratch();
  await gitRepo(dir);
  const noGh = cliEnv(emu, 'user', { MCP_OBO_FAKE_GH: 'logged-out' });
  await init(emu, dir, { id: 'pl02' }, noGh);
  assert.equal((await runCli(['provision', '--no-secret'], noGh, { cwd: dir, timeoutMs: 120_000 })).code, 0);
  const r = await runCli(['pipeline', 'github', '--app', '--install', 'mcp-obo@0.1.0', '--json'], noGh, { cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const doc = assertContract('pipeline', r.stdout, { ok: true });
  assert.equal(doc.subjectSource, 'assumed');
  assert.deepEqual(doc.subjects.map((s: Obj) => s.subject), ['repo:contoso/mcp-server:ref:refs/heads/main']);
  assert.ok(doc.notes.some((n: string) => /immutable subjects/.test(n)));
  assert.equal(doc.variable.set, false);
  assert.equal(doc.variable.command, `gh variable set MCP_OBO_CLIENT_ID_E2E_DEV --body ${doc.identity.clientId} --repo contoso/mcp-server`);
  const apps = (emu.state().graph.applications as Obj[]).filter((a) => a.displayName === 'MCP OAuth2 OBO Server Deployer (e2e-dev-pl02)');
  assert.equal(apps.length, 1);
  assert.deepEqual((apps[0]!.federatedIdentityCredentials as Obj[]).map((f) => [f.name, f.subject]), [['github-branch-main', 'repo:contoso/mcp-server:ref:refs/heads/main']]);
  const clean = await runCli(['cleanup', '--yes', '--json'], noGh, { cwd: dir, timeoutMs: 180_000 });
  assert.equal(clean.code, 0, clean.stderr);
  assert.ok(!(emu.state().graph.applications as Obj[]).some((a) => a.displayName === 'MCP OAuth2 OBO Server Deployer (e2e-dev-pl02)'));
});

test('--can-provision: granted by an administrator (not by a plain Owner), it lets the identity run provision on the deployment', async () => {
  const dir = await scratch();
  await gitRepo(dir);
  const admin = cliEnv(emu, 'user', { MCP_OBO_FAKE_GH_STATE: ghState });
  await init(emu, dir, { id: 'pl03' }, admin);
  assert.equal((await runCli(['provision', '--no-secret'], admin, { cwd: dir, timeoutMs: 120_000 })).code, 0);

  // An Owner of the subscription without a directory role: all but the Graph permissions.
  const owner = emu.addUser();
  emu.arm.assignRole(owner.oid, 'Owner');
  const plain = await runCli(['pipeline', 'github', '--can-provision', '--install', 'mcp-obo@0.1.0', '--json'], { ...admin, MCP_OBO_FAKE_AZ_USER: owner.oid }, { cwd: dir, timeoutMs: 60_000 });
  assert.equal(plain.code, 1, plain.stderr);
  const refused = assertContract('pipeline', plain.stdout, { ok: false, code: 'graph-permissions-missing' });
  assert.match(refused.error.advice, /Privileged Role Administrator/);
  assert.deepEqual(refused.steps.filter((s: Obj) => s.status === 'failed').map((s: Obj) => s.id), ['pipelineGraphPermissions']);

  const r = await runCli(['pipeline', 'github', '--can-provision', '--json'], admin, { cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const doc = assertContract('pipeline', r.stdout, { ok: true });
  assert.deepEqual(doc.graphPermissions, [{ permission: 'Application.ReadWrite.OwnedBy', status: 'granted' }, { permission: 'GroupMember.Read.All', status: 'granted' }]);
  assert.deepEqual(doc.roles.map((x: Obj) => x.role), ['Contributor', 'Role Based Access Control Administrator']);
  const app = (await deploymentFile(dir)).resources.application;

  // Someone removed the app's redirect URIs: provision as the pipeline repairs them, as owner of the app (OwnedBy reaches only that).
  const graphToken = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Application.ReadWrite.All Directory.AccessAsUser.All' });
  const patch = await fetch(`${emu.url}/v1.0/applications/${app.objectId}`, { method: 'PATCH', headers: { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ web: { redirectUris: [] } }) });
  assert.equal(patch.status, 204);
  const asPipeline = cliEnv(emu, 'nobody', { AZURE_CLIENT_ID: doc.identity.clientId, AZURE_TENANT_ID: emu.tenantId, ...emu.github.runnerEnv() });
  const p = await runCli(['provision', '--no-secret', '--json'], asPipeline, { cwd: dir, timeoutMs: 120_000 });
  assert.equal(p.code, 0, p.stderr + p.stdout);
  const steps = assertContract('provision', p.stdout, { ok: true }).steps as Obj[];
  assert.deepEqual(steps.filter((s) => s.action !== 'unchanged' && s.action !== 'skip').map((s) => s.id), ['application', 'appCallbacks'], 'only the app registration, which the identity owns');
  const repaired = (emu.state().graph.applications as Obj[]).find((a) => a.id === app.objectId)!;
  assert.ok(repaired.web.redirectUris.includes('http://localhost:8000/oauth/callback'), JSON.stringify(repaired.web));
});
