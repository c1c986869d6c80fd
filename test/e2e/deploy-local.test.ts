/**
 * `deploy --build local`: the same build context through the Docker CLI (a stand-in here, as no
 * engine runs on this machine), a registry login through the token exchange with the password on
 * stdin, a push, and a revision that runs the pushed image. And the deployment file as untrusted
 * input: the hosts that receive a token (registry, server URL) come from Azure, not from the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startEmulator, type Emulator, type RequestLogEntry } from '../emulator/index.ts';
import { formOf, runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  // The registry keeps its real host name (acr….azurecr.io); Node's own proxy settings route it to the emulator.
  env = cliEnv(emu, 'user', { MCP_OBO_FAKE_DOCKER_LOG: join(await scratch(), 'docker.log'), NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: emu.proxyUrl, NO_PROXY: '127.0.0.1,localhost' });
  await init(emu, cwd, { id: 'lb01' }, env);
  assert.equal((await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 })).code, 0);
});
after(() => emu?.close());

test('deploy --build local: docker build from the context on stdin, login by token exchange (password on stdin), push, healthy revision', async () => {
  const r = await runCli(['deploy', '--build', 'local', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const d = await deploymentFile(cwd);
  const calls = (await readFile(env.MCP_OBO_FAKE_DOCKER_LOG!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { args: string[]; contextFiles?: number; passwordLength?: number; failed?: string });
  assert.deepEqual(calls.map((c) => c.args[0]), ['version', 'build', 'login', 'push']);
  const [, build, login, push] = calls;
  const image = d.resources.containerApp.image;
  assert.match(image, new RegExp(`^${d.resources.registry.loginServer}/mcp-obo:\\d{14}-[0-9a-f]{12}$`));
  assert.deepEqual(build!.args, ['build', '--platform', 'linux/amd64', '-t', image, '-f', 'Dockerfile', '-']);
  assert.ok(build!.contextFiles! > 10, 'the package context went in on stdin');
  assert.deepEqual(login!.args, ['login', d.resources.registry.loginServer, '--username', '00000000-0000-0000-0000-000000000000', '--password-stdin']);
  assert.ok(login!.passwordLength! > 20, 'a refresh token on stdin');
  assert.deepEqual(push!.args, ['push', image]);
  assert.ok(!r.stdout.includes('refresh') && !r.stderr.includes('eyJ'), 'no token printed');
  assert.ok(emu.acr.images(d.resources.registry.name).some((i) => `${d.resources.registry.loginServer}/${i.repository}:${i.tag}` === image));
  const t = await runCli(['test'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(t.code, 0, t.stdout);
});

test('a registry that refuses the token exchange is reported with the rights needed; nothing is pushed', async () => {
  emu.faults.add({ method: 'POST', path: '^/oauth2/exchange$', status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] } });
  const before = (await deploymentFile(cwd)).resources.containerApp.revision;
  try {
    const r = await runCli(['deploy', '--build', 'local', '--force'], env, { cwd, timeoutMs: 120_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the registry refused the token exchange \(HTTP 401\)/);
    assert.match(r.stderr, /AcrPush or Contributor/);
  } finally {
    emu.faults.clear();
  }
  const calls = (await readFile(env.MCP_OBO_FAKE_DOCKER_LOG!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { args: string[] });
  assert.deepEqual(calls.slice(-2).map((c) => c.args[0]), ['version', 'build'], 'no login or push after the refusal');
  assert.equal((await deploymentFile(cwd)).resources.containerApp.revision, before);
});

test('Docker installed but its engine down: says so', async () => {
  const r = await runCli(['deploy', '--build', 'local', '--force'], { ...env, MCP_OBO_FAKE_DOCKER: 'down' }, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /docker version failed/);
  assert.match(r.stderr, /Start the Docker engine/);
});

const exchanges = (): RequestLogEntry[] => emu.requests.filter((r) => r.path === '/oauth2/exchange');
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { aud: string };

async function editDeployment(change: (d: Record<string, any>) => void): Promise<void> {
  const d = await deploymentFile(cwd);
  change(d);
  await writeFile(join(cwd, 'mcp-obo.e2e-dev.json'), JSON.stringify(d, null, 2));
}

test('the registry sign-in uses the registry service\'s own audience, so a registry that refuses ARM-audience tokens works', async () => {
  // What Azure Policy "Container registries should have ARM audience token authentication disabled" does.
  const d = await deploymentFile(cwd);
  const arm = await emu.mintUserToken({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  const url = `${emu.url}${d.resources.registry.id}?api-version=2025-04-01`;
  const reg = (await (await fetch(url, { headers: { authorization: `Bearer ${arm}` } })).json()) as { location: string; sku: object; properties: Record<string, any> };
  const put = await fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${arm}`, 'content-type': 'application/json' },
    body: JSON.stringify({ location: reg.location, sku: reg.sku, properties: { adminUserEnabled: false, policies: { azureADAuthenticationAsArmPolicy: { status: 'disabled' } } } }),
  });
  assert.ok(put.status < 300, `PUT registry: ${put.status}`);
  emu.requests.length = 0;
  const r = await runCli(['deploy', '--build', 'local', '--force', '--json'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const [x] = exchanges();
  assert.ok(x, 'one token exchange');
  assert.equal(x.status, 200);
  assert.equal(x.headers.host, d.resources.registry.loginServer);
  assert.equal(claimsOf(formOf(x).access_token!).aud, 'https://containerregistry.azure.net');
});

test('a login server changed in the deployment file receives nothing: the registry comes from Azure', async () => {
  const real = (await deploymentFile(cwd)).resources.registry.loginServer as string;
  const planted = new URL(emu.url).host; // any host the editor of the file controls
  await editDeployment((d) => (d.resources.registry.loginServer = planted));
  emu.requests.length = 0;
  const r = await runCli(['deploy', '--build', 'local', '--force'], env, { cwd, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`the deployment file says the registry is "${planted}", Azure says ${real}: using and saving Azure's`));
  assert.deepEqual(exchanges().map((x) => x.headers.host), [real], 'the token went to the real registry only');
  const d = await deploymentFile(cwd);
  assert.equal(d.resources.registry.loginServer, real, 'the file is corrected');
  assert.ok(d.resources.containerApp.image.startsWith(`${real}/`));
});

test('a server URL changed in the deployment file gets no token from mcp-obo test or token --curl', async () => {
  const seen: IncomingMessage[] = [];
  const trap = createServer((req, res) => {
    seen.push(req);
    if (req.url === '/health') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
    else res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  const real = (await deploymentFile(cwd)).mcpUrl as string;
  try {
    for (const planted of [`http://127.0.0.1:${(trap.address() as AddressInfo).port}/mcp`, `https://evil.example/mcp$(touch pwned)`]) {
      await editDeployment((d) => (d.mcpUrl = planted));
      const t = await runCli(['test'], env, { cwd, timeoutMs: 60_000 });
      assert.equal(t.code, 2, t.stdout + t.stderr);
      assert.match(t.stderr, /the deployment file's mcpUrl .* is not this deployment's server: Azure says ca-e2e-dev-lb01 answers at https:\/\/127\.0\.0\.1:\d+\/mcp; refusing to send your token there/);
      assert.match(t.stderr, /git log -p -- mcp-obo\.e2e-dev\.json/);
      const c = await runCli(['token', '--curl'], env, { cwd, timeoutMs: 60_000 });
      assert.equal(c.code, 2);
      assert.doesNotMatch(c.stdout, /curl/);
    }
    assert.equal(seen.length, 0, `the planted server got ${seen.map((q) => `${q.method} ${q.url}`).join(', ')}`);
  } finally {
    trap.close();
    await editDeployment((d) => (d.mcpUrl = real));
  }
  // The URL Azure confirms is used, quoted, and the token is read from $TOKEN set once.
  const c = await runCli(['token', '--curl'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^TOKEN=\$\(mcp-obo token --deployment e2e-dev\)$/m);
  assert.equal(c.stdout.match(/curl -s https:\/\/127\.0\.0\.1:\d+\/mcp /g)?.length, 3);
  assert.equal(c.stdout.match(/"Authorization: Bearer \$TOKEN"/g)?.length, 3);
  assert.doesNotMatch(c.stdout, /eyJ/);
});

test('deploy --context DIR: secret-bearing files are not sent, whatever .dockerignore says, and are listed', async () => {
  const dir = await scratch();
  const files: Record<string, string> = {
    Dockerfile: 'FROM node:24-slim\nCOPY . /app\nCMD ["node", "/app/server.js"]\n', 'server.js': 'console.log(1)\n', '.dockerignore': '!.env\n',
    '.env': 'AZURE_CLIENT_SECRET=x\n', '.npmrc': '//registry.npmjs.org/:_authToken=x\n', '.docker/config.json': '{"auths":{}}', 'keys/server.pem': 'x', 'mcp-obo.e2e-dev.json': '{}',
  };
  for (const [f, body] of Object.entries(files)) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), body);
  }
  const r = await runCli(['deploy', '--build', 'local', '--context', dir, '--json'], env, { cwd, timeoutMs: 180_000 });
  const excluded = ['.docker/config.json', '.env', '.npmrc', 'keys/server.pem', 'mcp-obo.e2e-dev.json'];
  const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; message?: string; excluded?: string[] });
  assert.ok(events.some((e) => e.event === 'status' && e.message === `not uploaded, as they may hold secrets: ${excluded.join(', ')}`), r.stdout);
  const calls = (await readFile(env.MCP_OBO_FAKE_DOCKER_LOG!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { args: string[]; contextNames?: string[] });
  const built = calls.filter((c) => c.args[0] === 'build').at(-1)!;
  assert.deepEqual(built.contextNames!.sort(), ['.dockerignore', 'Dockerfile', 'server.js']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(events.find((e) => e.event === 'result')?.excluded, excluded);
  const text = await runCli(['deploy', '--build', 'local', '--force', '--context', dir], { ...env, MCP_OBO_FAKE_DOCKER: 'down' }, { cwd, timeoutMs: 60_000 });
  assert.match(text.stderr, /not uploaded, as they may hold secrets: \.docker\/config\.json, \.env, \.npmrc, keys\/server\.pem, mcp-obo\.e2e-dev\.json\n/);
});
