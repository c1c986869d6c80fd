/**
 * The GitHub workflow and what it is made from: subjects that match its triggers, mcp-obo installed
 * as `init` recorded it, actions pinned by commit, one deploy at a time, JSON read with jq; and how
 * an installation is recognised from npm's lockfiles or a checkout.
 */
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderWorkflow, planWorkflow, variableName, writtenByUs } from '../../src/pipeline/workflow.ts';
import { subjectsFor } from '../../src/pipeline/subjects.ts';
import { detectInstall, parseInstall } from '../../src/pipeline/install.ts';
import { parseRemote } from '../../src/pipeline/github.ts';
import { credentialChanges } from '../../src/pipeline/deployer.ts';
import { DeploymentSchema, type Deployment } from '../../src/state/deployment.ts';

const T = '11111111-2222-3333-4444-555555555555';
const deployment = (install?: Deployment['install']): Deployment =>
  DeploymentSchema.parse({ version: 1, id: 'ab12', prefix: 'contoso', env: 'dev', tenantId: T, subscriptionId: T, location: 'eastus', cloud: 'AzureCloud', createdAt: 'x', resources: {}, install });
const registry = { kind: 'registry' as const, version: '0.3.1', spec: 'mcp-obo@0.3.1' };
type Job = { if?: string; environment?: string; permissions?: Record<string, string>; concurrency?: { group: string; 'cancel-in-progress': boolean }; env: Record<string, string>; steps: { uses?: string; name?: string; run?: string; 'working-directory'?: string }[] };
const jobs = (yml: string) => (parse(yml) as { jobs: Record<string, Job> }).jobs;

test('branches: push and dispatch only for the trusted branches; each gets the subject its token will carry', async () => {
  const yml = await renderWorkflow({ deployment: deployment(registry), workdir: '.', branches: ['main', 'release/1.x'], pullRequest: false, variable: variableName(deployment()) });
  const doc = parse(yml) as { on: Record<string, { branches?: string[] } | null>; permissions: Record<string, string>; jobs: Record<string, Job> };
  assert.deepEqual(doc.on.push!.branches, ['main', 'release/1.x']);
  assert.ok('workflow_dispatch' in doc.on && !('pull_request' in doc.on));
  assert.deepEqual(doc.permissions, { contents: 'read' }, 'only the deploy job may ask for an OIDC token');
  const deploy = doc.jobs.deploy!;
  assert.equal(deploy.if, `github.event_name != 'pull_request' && contains(fromJSON('["refs/heads/main","refs/heads/release/1.x"]'), github.ref)`);
  assert.deepEqual(deploy.permissions, { 'id-token': 'write', contents: 'read' });
  assert.deepEqual(deploy.concurrency, { group: 'mcp-obo-contoso-dev', 'cancel-in-progress': false });
  assert.deepEqual(deploy.env, { AZURE_CLIENT_ID: '${{ vars.MCP_OBO_CLIENT_ID_CONTOSO_DEV }}', AZURE_TENANT_ID: T });
  const subjects = subjectsFor('repo:contoso/mcp', { branches: ['main', 'release/1.x'], pullRequest: false });
  assert.deepEqual(subjects.map((s) => s.subject), ['repo:contoso/mcp:ref:refs/heads/main', 'repo:contoso/mcp:ref:refs/heads/release/1.x']);
  assert.equal(subjects[0]!.name, 'github-branch-main');
  assert.match(subjects[1]!.name, /^github-branch-release-1-x-[0-9a-f]{12}$/, 'a branch name Entra would refuse becomes a valid, unique credential name');
  assert.throws(() => subjectsFor('repo:o/r', { branches: ['bad branch'], pullRequest: false }), /not a branch name/);
  for (const step of Object.values(doc.jobs).flatMap((j) => j.steps)) if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${step.uses} is pinned by commit`);
  assert.doesNotMatch(yml, /secrets\.|AZURE_CLIENT_SECRET|AZURE_FEDERATED_TOKEN_FILE|curl /, 'no stored secret, no token file written once');
  assert.doesNotMatch(yml, /\{\{[A-Z_]+\}\}/);
  assert.ok(writtenByUs(yml));
});

test('an environment: the deploy job runs in it (its subject whatever the branch); pull requests get their own job and subject', async () => {
  const yml = await renderWorkflow({ deployment: deployment(registry), workdir: 'infra/mcp', branches: ['main'], environment: 'production', pullRequest: true, variable: 'V' });
  const j = jobs(yml);
  assert.equal(j.deploy!.environment, 'production');
  assert.equal(j.deploy!.if, "github.event_name != 'pull_request'");
  assert.match(j.check!.if!, /github\.event_name == 'pull_request' && github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
  assert.ok(!j.check!.steps.some((s) => s.name === 'Deploy'));
  assert.deepEqual((parse(yml) as { jobs: Record<string, { defaults: { run: Record<string, string> } }> }).jobs.deploy!.defaults.run, { 'working-directory': 'infra/mcp' });
  assert.deepEqual(subjectsFor('repo:o@1/r@2', { branches: ['main'], environment: 'production', pullRequest: true }).map((s) => s.subject), ['repo:o@1/r@2:environment:production', 'repo:o@1/r@2:pull_request']);
});

test('mcp-obo is installed as recorded: a registry version, a committed tarball checked by sha512, a commit of a repository, the project lockfile', async () => {
  const step = async (install: Deployment['install'], workdir = '.') => jobs(await renderWorkflow({ deployment: deployment(install), workdir, branches: ['main'], pullRequest: false, variable: 'V' })).deploy!.steps.find((s) => /^Install/.test(s.name ?? ''))!;
  assert.equal((await step(registry)).run, 'npm install --global --no-audit --no-fund mcp-obo@0.3.1\n');
  const tar = await step({ kind: 'tarball', path: 'vendor/mcp-obo-0.3.1.tgz', integrity: 'sha512-abc' });
  assert.match(tar.run!, /createHash\('sha512'\).* vendor\/mcp-obo-0\.3\.1\.tgz sha512-abc\nnpm install --global --no-audit --no-fund \.\/vendor\/mcp-obo-0\.3\.1\.tgz\n$/s);
  const git = await step({ kind: 'git', url: 'git@github.com:contoso/mcp-obo.git', commit: 'a'.repeat(40) });
  assert.match(git.run!, /git clone --quiet --no-checkout https:\/\/github\.com\/contoso\/mcp-obo\.git .*checkout --quiet a{40}.*npm ci.*npm run build/s);
  const project = await step({ kind: 'project', lockfile: '../package-lock.json' }, 'deploy');
  assert.equal(project['working-directory'], '.');
  assert.match(project.run!, /^npm ci /);
  await assert.rejects(renderWorkflow({ deployment: deployment(undefined), workdir: '.', branches: ['main'], pullRequest: false, variable: 'V' }), /does not say how mcp-obo was installed/);
  await assert.rejects(renderWorkflow({ deployment: deployment({ kind: 'tarball', path: '../x.tgz', integrity: 'sha512-x' }), workdir: '.', branches: ['main'], pullRequest: false, variable: 'V' }), /outside this repository/);
});

test('the deploy step reads the NDJSON result with jq and fails with its error; the check step reads one document', async () => {
  const yml = await renderWorkflow({ deployment: deployment(registry), workdir: '.', branches: ['main'], pullRequest: false, variable: 'V' });
  const steps = jobs(yml).deploy!.steps;
  assert.match(steps.find((s) => s.name === 'Deploy')!.run!, /mcp-obo deploy --deployment contoso-dev --json \| tee .*jq -c 'select\(\.event == "result"\)'/s);
  assert.match(steps.find((s) => s.name === 'Check the deployed server')!.run!, /mcp-obo test --deployment contoso-dev --json > .*jq -r '\.checks\[\]\?/s);
  assert.match(steps.find((s) => s.name === 'Check the deployment file is committed')!.run!, /test -f mcp-obo\.contoso-dev\.json/);
});

test('without the deployment file, its step fails with an annotation and runs nothing else', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-wf-'));
  const yml = await renderWorkflow({ deployment: deployment(registry), workdir: '.', branches: ['main'], pullRequest: false, variable: 'V' });
  const run = jobs(yml).deploy!.steps.find((s) => s.name === 'Check the deployment file is committed')!.run!;
  // A trap on PATH: any command substitution in the message would run it.
  await writeFile(join(dir, 'mcp-obo'), '#!/bin/sh\necho RAN >> "$(dirname "$0")/ran"\n', { mode: 0o755 });
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', run], { cwd: dir, env: { PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '::error::mcp-obo.contoso-dev.json is not in the repository: run mcp-obo provision, then commit it\n');
  assert.ok(!existsSync(join(dir, 'ran')));
});

test('a workflow mcp-obo did not write is not replaced without --force', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-wf-'));
  const path = join(dir, 'w.yml');
  assert.equal(await planWorkflow(path, 'x', false), 'create');
  await writeFile(path, 'name: mine\n');
  await assert.rejects(planWorkflow(path, 'x', false), /not written by mcp-obo/);
  assert.equal(await planWorkflow(path, 'x', true), 'update');
});

test('GitHub remotes in every spelling; anything else is not a repository we can federate', () => {
  for (const url of ['https://github.com/contoso/mcp-server.git', 'https://github.com/contoso/mcp-server', 'git@github.com:contoso/mcp-server.git', 'ssh://git@github.com/contoso/mcp-server.git', 'https://x-access-token@github.com/contoso/mcp-server.git']) {
    assert.deepEqual(parseRemote(url), { owner: 'contoso', name: 'mcp-server' }, url);
  }
  assert.equal(parseRemote('https://gitlab.com/contoso/mcp-server.git'), undefined);
});

test('federated credentials: ours that match no subject go, others are kept, changed ones are rewritten', () => {
  const c = (name: string, subject: string, issuer = 'https://token.actions.githubusercontent.com') => ({ name, issuer, subject, audiences: ['api://AzureADTokenExchange'] });
  const r = credentialChanges([c('github-branch-main', 'repo:o/r:ref:refs/heads/main'), c('github-pull-request', 'repo:o/r:pull_request')], [c('github-branch-main', 'repo:o/r:ref:refs/heads/main'), c('github-branch-old', 'repo:o/r:ref:refs/heads/old'), c('theirs', 'x'), c('github-pull-request', 'repo:o/old:pull_request')], /^github-/);
  assert.deepEqual(r.put.map((x) => x.name), ['github-pull-request']);
  assert.deepEqual(r.remove, ['github-branch-old']);
});

test('how mcp-obo was installed, from npm lockfiles: registry, tarball, git, the project itself; a checkout without a remote is unknown', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mcp-obo-inst-'));
  const files = new Map<string, string>();
  const probe = (packageRoot: string, extra: Record<string, string> = {}) => ({
    packageRoot, version: '0.3.1', run: async () => ({ stdout: '', stderr: '', exitCode: 1 }),
    readFile: async (p: string) => extra[p] ?? files.get(p), exists: async () => false,
  });
  const lock = (resolved: string) => JSON.stringify({ packages: { 'node_modules/mcp-obo': { version: '0.3.1', resolved, integrity: 'sha512-zz' } } });
  const npx = join(root, '.npm/_npx/abc');
  files.set(join(npx, 'package-lock.json'), lock('https://registry.npmjs.org/mcp-obo/-/mcp-obo-0.3.1.tgz'));
  assert.deepEqual((await detectInstall(probe(join(npx, 'node_modules/mcp-obo')), join(root, 'repo'))).install, registry);
  const proj = join(root, 'repo');
  files.set(join(proj, 'package-lock.json'), lock('file:vendor/mcp-obo-0.3.1.tgz'));
  files.set(join(proj, 'package.json'), JSON.stringify({ devDependencies: { 'mcp-obo': 'file:vendor/mcp-obo-0.3.1.tgz' } }));
  assert.deepEqual((await detectInstall(probe(join(proj, 'node_modules/mcp-obo')), join(proj, 'deploy'))).install, { kind: 'project', lockfile: '../package-lock.json' });
  const global = join(root, 'usr/lib');
  files.set(join(global, 'node_modules/.package-lock.json'), lock(`file:${join(proj, 'vendor/mcp-obo-0.3.1.tgz')}`));
  assert.deepEqual((await detectInstall(probe(join(global, 'node_modules/mcp-obo')), proj)).install, { kind: 'tarball', path: 'vendor/mcp-obo-0.3.1.tgz', integrity: 'sha512-zz' });
  files.set(join(global, 'node_modules/.package-lock.json'), lock(`git+ssh://git@github.com/contoso/mcp-obo.git#${'b'.repeat(40)}`));
  assert.deepEqual((await detectInstall(probe(join(global, 'node_modules/mcp-obo')), proj)).install, { kind: 'git', url: 'ssh://git@github.com/contoso/mcp-obo.git', commit: 'b'.repeat(40) });
  const checkout = await detectInstall({ ...probe(join(root, 'src/mcp-obo')), exists: async () => true, run: async (_f, a) => ({ stdout: a.includes('remote') && a.length === 3 ? '' : 'c'.repeat(40), stderr: '', exitCode: 0 }) }, proj);
  assert.equal(checkout.install, undefined);
  assert.match((checkout as { reason: string }).reason, /without a remote/);
  // A remote that is a path on this machine (a clone of a clone) is no more reachable from a runner.
  const gitOut = (a: string[]) => (a.includes('get-url') ? '/home/ada/src/mcp-obo\n' : a.length === 3 && a[2] === 'remote' ? 'origin\n' : a.includes('status') ? '' : 'c'.repeat(40));
  const local = await detectInstall({ ...probe(join(root, 'src/mcp-obo')), exists: async () => true, run: async (_f, a) => ({ stdout: gitOut(a), stderr: '', exitCode: 0 }) }, proj);
  assert.equal(local.install, undefined);
  assert.match((local as { reason: string }).reason, /remote origin is \/home\/ada\/src\/mcp-obo, a path on this machine/);
  const https = await detectInstall({ ...probe(join(root, 'src/mcp-obo')), exists: async () => true, run: async (_f, a) => ({ stdout: a.includes('get-url') ? 'https://github.com/contoso/mcp-obo.git\n' : gitOut(a), stderr: '', exitCode: 0 }) }, proj);
  assert.deepEqual(https.install, { kind: 'git', url: 'https://github.com/contoso/mcp-obo.git', commit: 'c'.repeat(40) });
});

test('--install: a registry version, a tarball in the folder (its sha512 computed), a git commit; nothing else', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-inst-'));
  await mkdir(join(dir, 'vendor'));
  await writeFile(join(dir, 'vendor/m.tgz'), 'tarball bytes');
  assert.deepEqual(await parseInstall('mcp-obo@0.3.1', dir), registry);
  assert.deepEqual(await parseInstall('vendor/m.tgz', dir), { kind: 'tarball', path: 'vendor/m.tgz', integrity: `sha512-${createHash('sha512').update('tarball bytes').digest('base64')}` });
  assert.deepEqual(await parseInstall(`https://github.com/contoso/mcp-obo.git#${'d'.repeat(40)}`, dir), { kind: 'git', url: 'https://github.com/contoso/mcp-obo.git', commit: 'd'.repeat(40) });
  await assert.rejects(parseInstall('latest', dir), /is not mcp-obo@<version>/);
});
