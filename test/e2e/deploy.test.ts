/**
 * `mcp-obo deploy` against the emulator: a remote build in the registry, the Container App with
 * its settings, a revision that really runs the built server (as the image runs it) behind an
 * HTTPS ingress, then `mcp-obo test` and `mcp-obo logs` against it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN, runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, ndjson, scratch, writes } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';
import { assertContract } from '../helpers/contract.ts';
import { MemoryOAuthProvider } from '../helpers/browser.ts';
import { connectThroughFacade } from '../helpers/facade.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
type Obj = Record<string, any> & { id: string };

const app = () => (emu.state().arm as Obj[]).find((x) => x.type === 'Microsoft.App/containerApps' && x.name === 'ca-e2e-dev-dp01') as Obj;

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'dp01' }, env);
  const p = await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(p.code, 0, p.stderr);
});
after(() => emu?.close());

test('bad deploy flags fail before any call (exit 2)', async () => {
  emu.requests.length = 0;
  for (const [args, pattern] of [
    [['--cpu', '0.3'], /--cpu 0.3 with --memory 0.5Gi is not a size/],
    [['--image', 'not an image'], /is not an image reference/],
    [['--build', 'cloud'], /--build must be remote or local/],
    [['--min-replicas', '5', '--max-replicas', '2'], /--min-replicas 5 \/ --max-replicas 2/],
  ] as const) {
    const r = await runCli(['deploy', ...args], env, { cwd });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
  assert.equal(emu.requests.length, 0);
});

test('deploy: remote build, container app with identity, ingress, probes, no credential; the facade key as the only secret; a healthy revision', async () => {
  const r = await runCli(['deploy', '--json', '--vscode'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = assertContract('deploy', r.stdout, { ok: true }) as { mcpUrl: string; image: string; revision: string };
  // Min replicas 0: the new revision goes to zero replicas first; deploy takes that as ready and wakes it through /health.
  const states = ndjson(r.stdout).filter((e) => e.event === 'status').map((e) => String(e.message));
  assert.ok(states.some((m) => m.includes(`revision ${summary.revision}: Provisioned / ScaledToZero`)), states.join('\n'));
  const woken = await fetch(`https://${(await deploymentFile(cwd)).resources.containerApp.fqdn}/health`);
  assert.equal(woken.headers.get('x-mcp-obo-revision'), summary.revision, 'the new revision answers, and names itself');
  const d = await deploymentFile(cwd);
  assert.equal(d.mcpUrl, summary.mcpUrl);
  assert.match(summary.image, new RegExp(`^${d.resources.registry.loginServer}/mcp-obo:\\d{14}-[0-9a-f]{12}$`), 'immutable tag');

  const a = app();
  const mi = d.resources.identity;
  assert.equal(a.identity.type, 'UserAssigned');
  assert.deepEqual(Object.keys(a.identity.userAssignedIdentities).map((k) => k.toLowerCase()), [mi.id.toLowerCase()]);
  const cfg = a.properties.configuration;
  assert.deepEqual(cfg.registries.map((x: Obj) => [x.server, String(x.identity).toLowerCase()]), [[d.resources.registry.loginServer, mi.id.toLowerCase()]]);
  assert.ok(!cfg.registries[0].passwordSecretRef, 'no registry password');
  // The only secret is the authorization facade's sealing key, read through a secretRef; no credential anywhere.
  assert.deepEqual(cfg.secrets.map((x: Obj) => x.name), ['mcp-obo-facade-key']);
  assert.ok(!r.stdout.includes(String(cfg.secrets[0].value ?? 'never')) && !r.stderr.includes('MCP_OBO_FACADE_KEY='), 'the key is never printed');
  assert.equal(cfg.ingress.external, true);
  assert.equal(cfg.ingress.targetPort, 8000);
  const tpl = a.properties.template;
  assert.deepEqual([tpl.scale.minReplicas, tpl.scale.maxReplicas], [0, 10]);
  const c = tpl.containers[0];
  assert.equal(c.image, summary.image);
  assert.deepEqual([c.resources.cpu, c.resources.memory], [0.25, '0.5Gi']);
  assert.ok(c.probes.some((p: Obj) => p.type === 'Liveness' && p.httpGet.path === '/health' && p.httpGet.port === 8000));
  assert.ok(c.probes.some((p: Obj) => p.type === 'Readiness' && p.httpGet.path === '/health'));
  const vars = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
  assert.deepEqual(vars, { AZURE_TENANT_ID: emu.tenantId, AZURE_CLIENT_ID: d.resources.application.appId, AZURE_MI_CLIENT_ID: mi.clientId, LOG_LEVEL: 'info', MCP_OBO_FACADE_KEY: 'secretRef:mcp-obo-facade-key' });
  assert.ok(!JSON.stringify(d).includes('facade-key') && !JSON.stringify(d).toLowerCase().includes('facadekey'), 'never in the deployment file');
  assert.ok(!JSON.stringify(a).includes('AZURE_CLIENT_SECRET'));

  const health = await fetch(`https://${d.resources.containerApp.fqdn}/health`);
  assert.equal(health.status, 200);
  const meta = (await (await fetch(`https://${d.resources.containerApp.fqdn}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string };
  assert.equal(meta.resource, summary.mcpUrl);
  const vscode = JSON.parse(await readFile(join(cwd, '.vscode', 'mcp.json'), 'utf8')) as { servers: Record<string, { url: string; type: string }> };
  assert.deepEqual(vscode.servers['mcp-obo-e2e-dev-dp01'], { type: 'http', url: summary.mcpUrl });
});

test('the stock MCP SDK client signs in through the deployed facade; the code is redeemed with the managed identity, not a secret', async () => {
  const d = await deploymentFile(cwd);
  const callback = `https://${d.resources.containerApp.fqdn}/oauth/callback`;
  const registration = (emu.state().graph.applications as Obj[]).find((a) => a.appId === d.resources.application.appId)!;
  assert.ok(registration.web.redirectUris.includes(callback), 'deploy registered the callback of the public host');
  emu.requests.length = 0;
  const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53690/callback' });
  const { client } = await connectThroughFacade(d.mcpUrl, provider);
  const result = await client.callTool({ name: 'get_user_context', arguments: {} });
  assert.equal(result.isError, undefined, JSON.stringify(result));
  await client.close();
  const redeem = emu.requests.find((q) => /oauth2\/v2.0\/token$/.test(q.path) && (q.body as Record<string, string>)?.grant_type === 'authorization_code')!;
  assert.equal((redeem.body as Record<string, string>).client_secret, undefined);
  assert.ok((redeem.body as Record<string, string>).client_assertion, 'the federated credential (managed identity assertion) authenticates the app');

  // Redeploying keeps the key: the client's refresh token still works against the new revision.
  const again = await runCli(['deploy', '--image', d.resources.containerApp.image, '--min-replicas', '1', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(again.code, 0, again.stderr);
  provider.saved = { ...provider.saved!, access_token: 'expired' };
  const after = await connectThroughFacade(d.mcpUrl, provider);
  await after.client.close();

  // --rotate-facade-key: a new key, the old one kept as the previous; signed-in clients keep working.
  const before = app().properties.configuration.secrets.map((x: Obj) => x.name);
  const rotated = await runCli(['deploy', '--image', d.resources.containerApp.image, '--rotate-facade-key'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stderr, /rotated the authorization facade key/);
  assert.deepEqual(before, ['mcp-obo-facade-key']);
  assert.deepEqual(app().properties.configuration.secrets.map((x: Obj) => x.name), ['mcp-obo-facade-key', 'mcp-obo-facade-key-previous']);
  provider.saved = { ...provider.saved!, access_token: 'expired' };
  const afterRotation = await connectThroughFacade(d.mcpUrl, provider);
  await afterRotation.client.close();
});

test('mcp-obo test passes against the deployed revision (managed identity + federated credential + OBO)', async () => {
  const r = await runCli(['test', '--json'], env, { cwd, timeoutMs: 60_000 });
  const out = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
  assert.equal(r.code, 0, JSON.stringify(out.checks, null, 1));
  assert.ok(out.checks.some((c) => c.name === 'tools/call get_user_context' && c.ok));
  const people = await runCli(['test'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(people.code, 0, people.stdout);
  const skipped = out.checks.filter((c) => (c as { skipped?: boolean }).skipped).length;
  assert.match(people.stdout, new RegExp(`\\n${out.checks.length - skipped} passed(?: \\(\\d+ with a warning\\))?, ${skipped} skipped, 0 failed\\n$`), 'one line that says how it went');
  // The token exchange used the managed identity's token, not a secret.
  const exchanges = emu.requests.filter((q) => q.method === 'POST' && /oauth2\/v2.0\/token$/.test(q.path) && (q.body as Record<string, string>)?.requested_token_use === 'on_behalf_of');
  assert.ok(exchanges.length > 0);
  for (const x of exchanges) {
    assert.equal((x.body as Record<string, string>).client_secret, undefined);
    assert.ok((x.body as Record<string, string>).client_assertion);
  }
});

test('mcp-obo logs shows the server\'s own log lines', async () => {
  const r = await runCli(['logs', '--tail', '100'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"event":"server.listening"/);
  assert.match(r.stdout, /"credential":"managed-identity"/);
  assert.doesNotMatch(r.stdout, /eyJ[\w-]{10,}/, 'no token in the logs');
  // The stream's banner is progress (stderr); stdout is only the container's own lines.
  assert.doesNotMatch(r.stdout, /Connecting to the container|Successfully Connected/);
  assert.match(r.stderr, /Successfully Connected to container: 'mcp-obo'/);
  const json = await runCli(['logs', '--tail', '100', '--json'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(json.code, 0, json.stderr);
  const result = assertContract('logs', json.stdout, { ok: true });
  const lines = ndjson(json.stdout).filter((e) => e.event === 'log');
  assert.equal(result.lines, lines.length);
  assert.ok(lines.some((e) => String(e.line).includes('"event":"server.listening"')));
});

test('a redeploy of an unchanged context builds nothing and makes no revision; --dry-run says so and changes nothing', async () => {
  const file = join(cwd, 'mcp-obo.e2e-dev.json');
  const [bytes, before] = [await readFile(file), await deploymentFile(cwd)];
  const revisions = () => (emu.state().arm as Obj[]).filter((x) => x.type === 'Microsoft.App/containerApps/revisions').length;
  const count = revisions();
  emu.requests.length = 0;
  const plan = await runCli(['deploy', '--dry-run'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /image +unchanged: .*mcp-obo:\d{14}-[0-9a-f]{12} was built from this context \(--force rebuilds\)/);
  assert.deepEqual(writes(emu.requests).map((w) => `${w.method} ${w.path}`), [], 'a dry run writes nothing');
  emu.requests.length = 0;
  const r = await runCli(['deploy'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!emu.requests.some((q) => /listBuildSourceUploadUrl|scheduleRun/i.test(q.path)), 'no build');
  assert.equal(revisions(), count, 'no new revision');
  assert.match(r.stderr, /unchanged: .* was built from this context; nothing to build/);
  assert.match(r.stderr, new RegExp(`unchanged: revision ${before.resources.containerApp.revision} keeps serving`));
  assert.deepEqual(await readFile(file), bytes, 'the deployment file is not rewritten');
  assert.match(r.stderr, /^Next: mcp-obo test --deployment e2e-dev$/m);
  assert.match(r.stderr, /^Azure portal: https:\/\/portal\.azure\.com\/#@[-\w]+\/resource\/subscriptions\/.*\/containerApps\/ca-e2e-dev-dp01$/m);
});

test('deploy --force rebuilds and rolls a new revision with a new tag; the build log only with --verbose', async () => {
  const before = await deploymentFile(cwd);
  const quiet = await runCli(['deploy', '--force'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.match(quiet.stderr, /built .* in [\d.]+ s \(the build log: --verbose\)/);
  assert.doesNotMatch(quiet.stderr, /Step \d|Run ID:|npm (ci|install)/i, 'no build log without --verbose');
  const after = await deploymentFile(cwd);
  assert.notEqual(after.resources.containerApp.revision, before.resources.containerApp.revision);
  assert.notEqual(after.resources.containerApp.image, before.resources.containerApp.image);
  const verbose = await runCli(['deploy', '--force', '-v'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.match(verbose.stderr, /Run ID: \w+/, 'the build log with --verbose');
});

test('--image deploys an existing image and builds nothing', async () => {
  const image = (await deploymentFile(cwd)).resources.containerApp.image;
  emu.requests.length = 0;
  const r = await runCli(['deploy', '--image', image, '--min-replicas', '1', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!emu.requests.some((q) => /listBuildSourceUploadUrl|scheduleRun/i.test(q.path)), 'no build');
  assert.equal(app().properties.template.scale.minReplicas, 1);
});

test('a new revision that never becomes ready fails the deploy with its reason and log lines; the old one keeps serving', async () => {
  const before = await deploymentFile(cwd);
  const registry = before.resources.registry;
  // An image whose server refuses its configuration: the PUT succeeds, the revision never becomes ready.
  emu.acr.pushImage(registry.name, 'mcp-obo:broken', { MAX_TOKEN_AGE_HOURS: '500' });
  const r = await runCli(['deploy', '--image', `${registry.loginServer}/mcp-obo:broken`, '--min-replicas', '1', '--max-replicas', '1'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /revision ca-e2e-dev-dp01--\w+ is not healthy \(Provisioned \/ ActivationFailed\)/);
  assert.match(r.stderr, /exit code 2/, 'the replica details');
  assert.match(r.stderr, /last log lines:[\s\S]*MAX_TOKEN_AGE_HOURS/, "the container's own words");
  assert.match(r.stderr, /previous revision \(if any\) keeps serving/);
  const after = await deploymentFile(cwd);
  assert.equal(after.resources.containerApp.revision, before.resources.containerApp.revision, 'the deployment still names the serving revision');
  const health = await fetch(`https://${before.resources.containerApp.fqdn}/health`);
  assert.equal(health.status, 200);
  assert.equal(health.headers.get('x-mcp-obo-revision'), before.resources.containerApp.revision, 'the old revision still takes the traffic');
});

test('after that failed deploy, `logs` follows the revision that serves and names the failed one; --revision shows the failed one\'s words', async () => {
  const d = await deploymentFile(cwd);
  const latest = (app().properties as { latestRevisionName: string }).latestRevisionName;
  assert.notEqual(latest, d.resources.containerApp.revision, 'the failed revision is the latest');
  const r = await runCli(['logs', '--tail', '20'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`note: showing ${d.resources.containerApp.revision}, the revision that serves; the latest, ${latest}, is not ready \\(Provisioned / ActivationFailed\\): \`mcp-obo logs --deployment e2e-dev --revision ${latest}\``));
  assert.doesNotMatch(r.stdout, /MAX_TOKEN_AGE_HOURS/);
  const failed = await runCli(['logs', '--revision', latest, '--tail', '20'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(failed.code, 0, failed.stderr);
  assert.match(failed.stdout, /MAX_TOKEN_AGE_HOURS/, "the failed revision's own words");
});

test('an image the registry does not have is named as such, not blamed on AcrPull', async () => {
  const registry = (await deploymentFile(cwd)).resources.registry;
  const r = await runCli(['deploy', '--image', `${registry.loginServer}/mcp-obo:never-pushed`], env, { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /MANIFEST_UNKNOWN/);
  assert.match(r.stderr, new RegExp(`The registry has no ${registry.loginServer.replace(/\./g, '\\.')}/mcp-obo:never-pushed: check the name and tag`));
  assert.doesNotMatch(r.stderr, /AcrPull|mcp-obo provision/);
});

test('a failing build shows the end of its log and exits 1; nothing is rolled out', async () => {
  const revision = (await deploymentFile(cwd)).resources.containerApp.revision;
  emu.acr.failNextBuild('npm ERR! network request failed (emulated)');
  emu.requests.length = 0;
  const r = await runCli(['deploy'], env, { cwd, timeoutMs: 180_000 });
  assert.ok(!emu.requests.some((q) => q.method === 'PUT' && /\/containerApps\//i.test(q.path)), 'no rollout after a failed build');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the image build failed/);
  assert.match(r.stderr, /npm ERR! network request failed \(emulated\)/);
  assert.equal((await deploymentFile(cwd)).resources.containerApp.revision, revision);
});

test('build output in any language streams intact: log offsets count bytes, not characters', async () => {
  const message = 'npm error Zugriff verweigert: «paquet» introuvable — 依存関係の解決に失敗しました ✗ 🚀';
  emu.acr.failNextBuild(message);
  const r = await runCli(['deploy', '--verbose'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 1);
  assert.ok(!r.stderr.includes('\uFFFD'), 'no character was cut in two');
  const shown = r.stderr.split('the end of its log:')[0]!;
  assert.equal(shown.split(message).length, 2, `the live log shows the line once, whole:\n${shown.slice(-800)}`);
  assert.match(r.stderr, /Run ID: \w+ failed after/);
});

test('a run whose log is kept in the registry (logArtifactLink) is shown as az acr build shows it', async () => {
  emu.acr.logsInRegistry(true);
  emu.acr.failNextBuild('npm error from the log in the registry');
  try {
    const r = await runCli(['deploy', '--verbose'], env, { cwd, timeoutMs: 180_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the build log is kept in the registry; it is shown when the run ends/);
    assert.match(r.stderr, /the end of its log:[\s\S]*npm error from the log in the registry/);
  } finally {
    emu.acr.logsInRegistry(false);
  }
});

test('Docker Hub refusing anonymous pulls does not matter: the image builds FROM the pinned mirror of the Node image', async () => {
  emu.acr.dockerHubRateLimited(true);
  try {
    const r = await runCli(['deploy', '--force', '--verbose'], env, { cwd, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pulling from mirror\/docker\/library\/node\r?\n[\s\S]*Digest: sha256:[0-9a-f]{64}/);
    assert.match(r.stderr, /registry: mcr\.microsoft\.com/);
    // A Dockerfile of your own that pulls from Docker Hub is told how to avoid it.
    const own = await scratch();
    await writeFile(join(own, 'Dockerfile'), 'FROM node:24-bookworm-slim\nCMD ["node", "-e", "0"]\n');
    const hub = await runCli(['deploy', '--context', own], env, { cwd, timeoutMs: 180_000 });
    assert.equal(hub.code, 1);
    assert.match(hub.stderr, /toomanyrequests: You have reached your pull rate limit/);
    assert.match(hub.stderr, /az acr import --name <registry> --source docker\.io\/library\/node:24-bookworm-slim/);
    assert.match(hub.stderr, /--base-image/);
  } finally {
    emu.acr.dockerHubRateLimited(false);
  }
});

test('--base-image builds FROM a copy imported into the registry, pinned by digest; a wrong one is explained', async () => {
  const d = await deploymentFile(cwd);
  const imported = emu.acr.pushImage(d.resources.registry.name, 'library/node:24-bookworm-slim');
  const base = `${d.resources.registry.loginServer}/library/node@${imported.digest}`;
  const r = await runCli(['deploy', '--base-image', base, '--verbose'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`Status: Downloaded newer image for ${base}`), r.stderr.slice(-1500));
  assert.ok(r.stderr.includes(`digest: ${imported.digest}`), 'the runtime dependency is the imported copy');

  const missing = await runCli(['deploy', '--base-image', `${d.resources.registry.loginServer}/library/node@sha256:${'0'.repeat(64)}`], env, { cwd, timeoutMs: 180_000 });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /manifest unknown/);
  assert.match(missing.stderr, /check --base-image/);
  for (const bad of ['node:24-bookworm-slim', `${d.resources.registry.loginServer}/library/node:24`]) {
    const u = await runCli(['deploy', '--base-image', bad], env, { cwd });
    assert.equal(u.code, 2, u.stderr);
    assert.match(u.stderr, /must be an image pinned by digest/);
  }
  const both = await runCli(['deploy', '--base-image', base, '--image', d.resources.containerApp.image], env, { cwd });
  assert.equal(both.code, 2);
});

test('a subscription without ACR Tasks is told to build locally', async () => {
  emu.acr.tasksNotAllowed(true);
  try {
    const r = await runCli(['deploy'], env, { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /does not allow ACR Tasks/);
    assert.match(r.stderr, /--build local/);
  } finally {
    emu.acr.tasksNotAllowed(false);
  }
});

test('an identity without AcrPull: the failed revision is explained, with the fix', async () => {
  const d = await deploymentFile(cwd);
  const token = await emu.mintUserToken({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  const del = await fetch(`${emu.url}${d.resources.acrPull.id}?api-version=2022-04-01`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.ok(del.status === 200 || del.status === 204, `delete role assignment: ${del.status}`);
  const r = await runCli(['deploy', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /revision .* is not healthy/);
  assert.match(r.stderr, /UNAUTHORIZED|pull/i);
  assert.match(r.stderr, /AcrPull role assignment on the registry no longer exists/, 'a refusal that waiting cannot fix is explained at once');
  assert.match(r.stderr, /mcp-obo provision/);
  // provision puts the role back; the next deploy is healthy again, once Azure applies the new assignment.
  assert.equal((await runCli(['provision'], env, { cwd, timeoutMs: 120_000 })).code, 0);
  // The assignment applies 15 s from now (provision made it a while ago, while it did the rest): long
  // enough for the CLI to start and reach its PUT on a loaded machine (4 s was not), short enough to wait out.
  const made = (emu.state().arm as Obj[]).find((x) => x.id.toLowerCase() === d.resources.acrPull.id.toLowerCase())!.properties.createdOn;
  emu.aca.acrPullPropagation(Date.now() - Date.parse(made) + 15_000);
  try {
    const again = await runCli(['deploy', '--image', d.resources.containerApp.image], env, { cwd, timeoutMs: 180_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /the registry refused the pull; the AcrPull role assignment was made \d+ s ago, and Azure can take up to 10 minutes/);
    assert.match(again.stderr, /Retrying in \d+ s with a new revision/);
  } finally {
    emu.aca.acrPullPropagation(0);
  }
});

test('mcp-obo test names a missing federated credential, and provision repairs it', async () => {
  const d = await deploymentFile(cwd);
  const token = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'Application.ReadWrite.All' });
  const del = await fetch(`${emu.url}/v1.0/applications/${d.resources.application.objectId}/federatedIdentityCredentials/${d.resources.federatedCredential.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.equal(del.status, 204);
  const r = await runCli(['test'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /AADSTS7002(11|13)|federated/);
  assert.match(r.stdout, /→ The federated credential does not match the managed identity: run `mcp-obo provision`/);
  assert.equal((await runCli(['provision'], env, { cwd, timeoutMs: 120_000 })).code, 0);
  // Each run gets a new user token, so the server's OBO cache cannot answer for it: the exchange is real.
  const ok = await runCli(['test'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(ok.code, 0, ok.stdout);
});

test('mcp-obo logs --follow streams new lines until Ctrl-C', async () => {
  const proc = spawn(process.execPath, [BIN, 'logs', '--follow', '--tail', '5'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const d = await deploymentFile(cwd);
  const before = Date.now();
  while (!out.includes('"event"') && Date.now() - before < 20_000) await new Promise((r) => setTimeout(r, 50));
  const marker = `/health?follow-${Date.now()}`;
  const ping = await fetch(`https://${d.resources.containerApp.fqdn}/not-found-${marker.slice(8)}`);
  await ping.body?.cancel();
  while (!out.includes(marker.slice(8)) && Date.now() - before < 30_000) await new Promise((r) => setTimeout(r, 50));
  assert.ok(out.includes(marker.slice(8)), `the new request was streamed:\n${out.slice(-500)}`);
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  proc.kill('SIGINT');
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.equal(code, 130, 'Ctrl-C exits 130, as the README says');
  assert.match(err, /stopped \(Ctrl-C\) after \d+ lines?; logs saves nothing/);
});

test('--context without a Dockerfile is a usage error, and nothing is built or changed', async () => {
  const empty = await scratch();
  emu.requests.length = 0;
  const r = await runCli(['deploy', '--context', empty], env, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no Dockerfile in /);
  assert.ok(!emu.requests.some((q) => q.method !== 'GET' && !/oauth2\/v2.0\/token$/.test(q.path)), 'no write');
});
