/**
 * Several deployments in one folder, as azd keeps several environments: each has its own env file
 * (`.env.{prefix}-{env}.local`) with its own secret and facade key, repeated provisions of one never
 * touch the other's, `serve --deployment` serves the one named, and a wrong name lists the right
 * ones. An older shared `.env.local` moves to the deployment's file, the user's variables kept.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, startServe } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch, writes } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
type Graph = { applications: { appId: string; passwordCredentials: { keyId: string }[] }[] };

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'dv01' }, env);
  await init(emu, cwd, { id: 'st01', env: 'stg' }, env);
});
after(() => emu?.close());

const envFile = async (name: string) => parseEnv(await readFile(join(cwd, `.env.${name}.local`), 'utf8')) as Record<string, string>;
const passwords = (appId: string) => (emu.state().graph as unknown as Graph).applications.find((a) => a.appId === appId)!.passwordCredentials.map((p) => p.keyId);
/** The environment a user's shell gives `serve`: no server settings, only the DevOps endpoint the env file does not hold. */
const serveEnv = (extra: Record<string, string> = {}) => ({ PATH: env.PATH!, HOME: env.HOME!, NODE_EXTRA_CA_CERTS: emu.caCertPath, MCP_OBO_DEVOPS_ENDPOINT: `${emu.url}/devops`, ...extra });

async function advertisedApp(url: string): Promise<string> {
  const m = (await (await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)).json()) as { scopes_supported: string[] };
  return /^api:\/\/([^/]+)\//.exec(m.scopes_supported[0]!)![1]!;
}

test('two deployments in one folder keep their own secrets and facade keys through repeated provisions', async () => {
  const seen: Record<string, Record<string, string>> = {};
  for (const [round, name] of [[1, 'e2e-dev'], [1, 'e2e-stg'], [2, 'e2e-dev'], [2, 'e2e-stg']] as const) {
    const r = await runCli(['provision', '--deployment', name, ...(round === 1 ? ['--consent'] : [])], env, { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `${name} round ${round}: ${r.stderr}`);
    for (const other of ['e2e-dev', 'e2e-stg']) {
      if (!existsSync(join(cwd, `.env.${other}.local`))) continue;
      const values = await envFile(other);
      const app = (await deploymentFile(cwd, other)).resources.application.appId as string;
      assert.equal(values.MCP_OBO_CLIENT_ID, app, `${other}'s file holds ${other}'s app`);
      assert.ok(values.MCP_OBO_CLIENT_SECRET && values.MCP_OBO_FACADE_KEY);
      if (seen[other]) assert.deepEqual(values, seen[other], `${other}'s settings unchanged by provisioning ${name} (round ${round})`);
      seen[other] = values;
      assert.deepEqual(passwords(app), [(await deploymentFile(cwd, other)).resources.clientSecret.keyId], `${other}'s app has exactly the secret its file holds`);
      assert.equal((await stat(join(cwd, `.env.${other}.local`))).mode & 0o777, 0o600);
    }
  }
  assert.notEqual(seen['e2e-dev']!.MCP_OBO_FACADE_KEY, seen['e2e-stg']!.MCP_OBO_FACADE_KEY, 'each has its own facade key');
  assert.notEqual(seen['e2e-dev']!.MCP_OBO_CLIENT_ID, seen['e2e-stg']!.MCP_OBO_CLIENT_ID);
  const ignored = (await readFile(join(cwd, '.gitignore'), 'utf8')).split('\n');
  assert.ok(ignored.includes('.env.e2e-dev.local') && ignored.includes('.env.e2e-stg.local'), ignored.join(','));
  assert.ok(!existsSync(join(cwd, '.env.local')));
});

test('list: the deployments here and, with --all, every one in the subscription (cleanup --list still works, with a note)', async () => {
  const here = await runCli(['list'], env, { cwd });
  assert.equal(here.code, 0, here.stderr);
  assert.match(here.stdout, new RegExp(`^Deployments in ${cwd}:`));
  assert.match(here.stdout, /e2e-dev\s+dv01\s+eastus\s+provisioned/);
  assert.match(here.stdout, /e2e-stg\s+st01\s+eastus\s+provisioned/);
  const sub = join(cwd, 'docs');
  await mkdir(sub, { recursive: true });
  const json = JSON.parse((await runCli(['list', '--json'], env, { cwd: sub })).stdout) as { folder: string; local: { name: string; id: string; state: string }[] };
  assert.equal(json.folder, cwd, 'found from a subfolder');
  assert.deepEqual(json.local.map((d) => [d.name, d.id, d.state]), [['e2e-dev', 'dv01', 'provisioned'], ['e2e-stg', 'st01', 'provisioned']]);

  // --all asks Azure and Entra; the tenant and subscription come from the deployments here.
  const all = JSON.parse((await runCli(['list', '--all', '--json'], env, { cwd, timeoutMs: 60_000 })).stdout) as { azure: { id: string; here: string | null; resources: string[] }[] };
  assert.deepEqual(all.azure.map((d) => [d.id, d.here]), [['dv01', 'e2e-dev'], ['st01', 'e2e-stg']]);
  const old = await runCli(['cleanup', '--list', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId], env, { cwd: await scratch(), timeoutMs: 60_000 });
  assert.equal(old.code, 0, old.stderr);
  assert.match(old.stderr, /`cleanup --list` is now `mcp-obo list --all`/);
  assert.match(old.stdout, /dv01\s+e2e-dev/);
});

test('show: URLs, ids, the users group by name, each step, the secret\'s expiry, portal links; from the file alone', async () => {
  const d = await deploymentFile(cwd, 'e2e-dev');
  emu.requests.length = 0;
  const r = await runCli(['show', '--deployment', 'e2e-dev'], cliEnv(emu, 'nobody'), { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(emu.requests.length, 0, 'no Azure call, no sign-in');
  assert.match(r.stdout, /^Deployment e2e-dev \(e2e-dev-dv01\)/);
  assert.match(r.stdout, new RegExp(`app \\(client\\) ID\\s+${d.resources.application.appId}`));
  assert.match(r.stdout, /users group\s+MCP OAuth2 OBO Server Users \(e2e-dev-dv01\)/);
  assert.match(r.stdout, /MCP URL\s+not deployed yet/);
  assert.match(r.stdout, /local settings\s+\.env\.e2e-dev\.local, client secret expires \d{4}-\d\d-\d\d \(in \d+ days\), facade key/);
  assert.match(r.stdout, /✔ resource group\s+done: rg-e2e-dev-dv01/);
  assert.match(r.stdout, new RegExp(`users and groups\\s+https://portal\\.azure\\.com/#@${emu.tenantId}/view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Users/objectId/${d.resources.servicePrincipal.objectId}/appId/${d.resources.application.appId}`));
  assert.match(r.stderr, /Next: mcp-obo deploy --deployment e2e-dev/);
  const which = await runCli(['show'], env, { cwd: join(cwd, 'docs') });
  assert.equal(which.code, 2, 'two deployments: show asks which');
  assert.match(which.stderr, /several deployments in .*: e2e-dev, e2e-stg/);
  const shown = JSON.parse((await runCli(['show', '--deployment', 'e2e-stg', '--json'], env, { cwd })).stdout) as { usersGroup: { name: string }; steps: { id: string; state: string }[]; next: string | null; portal: Record<string, string> };
  assert.equal(shown.usersGroup.name, 'MCP OAuth2 OBO Server Users (e2e-stg-st01)');
  assert.ok(shown.steps.every((s) => s.state === 'done'), JSON.stringify(shown.steps));
  assert.equal(shown.next, 'mcp-obo deploy --deployment e2e-stg');
  assert.deepEqual(Object.keys(shown.portal).sort(), ['appRegistration', 'resourceGroup', 'usersAndGroups', 'usersGroup']);
});

test('serve --deployment serves the deployment named; without it, two deployments are a question, not a guess', async () => {
  for (const name of ['e2e-stg', 'e2e-dev']) {
    const s = await startServe(serveEnv(), ['--deployment', name], { cwd });
    try {
      assert.equal(await advertisedApp(s.url), (await deploymentFile(cwd, name)).resources.application.appId, name);
      assert.ok(s.logLines().some((l) => l.event === 'config.env_file' && String(l.path).endsWith(`.env.${name}.local`) && l.deployment === name));
      // And `mcp-obo test` passes against it, as the signed-in user.
      const t = await runCli(['test', '--deployment', name, '--url', s.url.replace('127.0.0.1', 'localhost')], env, { cwd, timeoutMs: 60_000 });
      assert.equal(t.code, 0, t.stdout + t.stderr);
    } finally {
      await s.stop();
    }
  }
  const plain = await runCli(['serve', '--port', '0'], serveEnv(), { cwd });
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /several deployments in .* \(e2e-dev, e2e-stg\)/);
  assert.match(plain.stderr, /mcp-obo serve --deployment e2e-dev/);
});

test('a wrong --deployment lists the deployments there (exit 2), for every command; a subfolder finds them as git finds .git', async () => {
  for (const args of [['provision'], ['serve'], ['test'], ['deploy'], ['logs'], ['token'], ['consent'], ['cleanup', '--dry-run']]) {
    const r = await runCli([...args, '--deployment', 'nope'], env, { cwd, timeoutMs: 30_000 });
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /no deployment named "nope" \(deployments in .*: e2e-dev, e2e-stg\)/, args[0]);
    assert.doesNotMatch(r.stderr, /ENOENT/);
  }
  const sub = join(cwd, 'src', 'deep');
  await mkdir(sub, { recursive: true });
  const s = await startServe(serveEnv(), ['--deployment', 'e2e-stg'], { cwd: sub });
  try {
    assert.equal(await advertisedApp(s.url), (await deploymentFile(cwd, 'e2e-stg')).resources.application.appId);
  } finally {
    await s.stop();
  }
});

test("a deployer's AZURE_CLIENT_ID exported in the shell is reported and not used; with an older env file it is loud, and `test` names it", async () => {
  const dev = await deploymentFile(cwd, 'e2e-dev');
  const deployer = { AZURE_TENANT_ID: emu.tenantId, AZURE_CLIENT_ID: emu.deployer.clientId, AZURE_CLIENT_SECRET: emu.deployer.clientSecret };
  const s = await startServe(serveEnv(deployer), ['--deployment', 'e2e-dev'], { cwd });
  try {
    assert.equal(await advertisedApp(s.url), dev.resources.application.appId, "the server is the deployment's app, not the deployer");
    assert.match(s.output(), new RegExp(`warning: AZURE_CLIENT_ID in the environment \\(${emu.deployer.clientId}\\) is not the server's: it uses MCP_OBO_CLIENT_ID from .*\\.env\\.e2e-dev\\.local`));
    assert.ok(!s.output().includes(emu.deployer.clientSecret), 'no secret in the warnings');
  } finally {
    await s.stop();
  }

  // The env file an older version wrote (AZURE_* names): the environment wins, loudly, and `test` says exactly that.
  const file = join(cwd, '.env.e2e-dev.local');
  const current = await readFile(file, 'utf8');
  await writeFile(file, current.replace(/^MCP_OBO_(TENANT_ID|CLIENT_ID|CLIENT_SECRET)=/gm, 'AZURE_$1='), { mode: 0o600 });
  const old = await startServe(serveEnv(deployer), ['--deployment', 'e2e-dev'], { cwd });
  try {
    assert.match(old.output(), /warning: AZURE_CLIENT_ID from the environment \(.*\) overrides .*\.env\.e2e-dev\.local \(.*\): the server now runs with the environment's value/);
    const t = await runCli(['test', '--deployment', 'e2e-dev', '--url', old.url.replace('127.0.0.1', 'localhost'), '--json'], { ...env, ...deployer }, { cwd, timeoutMs: 60_000 });
    assert.equal(t.code, 1, t.stdout);
    const checks = (JSON.parse(t.stdout) as { checks: { name: string; ok: boolean; advice?: string }[] }).checks;
    const metadata = checks.find((c) => c.name === 'protected-resource metadata')!;
    assert.equal(metadata.ok, false);
    assert.match(metadata.advice!, new RegExp(`The server runs as ${emu.deployer.clientId}, the AZURE_CLIENT_ID exported in this shell .* not as e2e-dev's app ${dev.resources.application.appId}`));
    assert.match(metadata.advice!, /env -u AZURE_CLIENT_ID -u AZURE_CLIENT_SECRET mcp-obo serve --deployment e2e-dev/);
  } finally {
    await old.stop();
    await writeFile(file, current, { mode: 0o600 });
  }
});

test('an older shared .env.local moves to the deployment\'s own file: same secret, no new one, the user\'s variables kept', async () => {
  const own = join(cwd, '.env.e2e-stg.local');
  const before = parseEnv(await readFile(own, 'utf8')) as Record<string, string>;
  // What an earlier version left: .env.local with AZURE_* names, and a variable of the user's.
  const legacy = (await readFile(own, 'utf8')).replace(/^MCP_OBO_(TENANT_ID|CLIENT_ID|CLIENT_SECRET)=/gm, 'AZURE_$1=') + 'LOG_LEVEL=debug\n';
  await writeFile(join(cwd, '.env.local'), legacy, { mode: 0o600 });
  await rm(own);

  // The plan already knows nothing is missing; the real run moves the file and issues no secret.
  const dry = await runCli(['provision', '--deployment', 'e2e-stg', '--dry-run', '--json'], env, { cwd, timeoutMs: 120_000 });
  assert.match(dry.stdout, /"id":"clientSecret"[^}]*"action":"unchanged"/);
  emu.requests.length = 0;
  const r = await runCli(['provision', '--deployment', 'e2e-stg'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /moved the settings of e2e-stg-st01 from \.env\.local to \.env\.e2e-stg\.local; your own variables \(LOG_LEVEL\) were copied there and stay in \.env\.local/);
  assert.deepEqual(writes(emu.requests).filter((w) => /addPassword|removePassword/.test(w.path)), [], 'the same secret, moved');
  const after = parseEnv(await readFile(own, 'utf8')) as Record<string, string>;
  assert.deepEqual(after, { ...before, LOG_LEVEL: 'debug' });
  assert.equal((await stat(own)).mode & 0o777, 0o600);
  assert.deepEqual(parseEnv(await readFile(join(cwd, '.env.local'), 'utf8')), { LOG_LEVEL: 'debug' });
  // The other deployment's file was not touched.
  assert.equal((await envFile('e2e-dev')).MCP_OBO_CLIENT_ID, (await deploymentFile(cwd, 'e2e-dev')).resources.application.appId);
});
