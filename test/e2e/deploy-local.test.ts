/**
 * `deploy --build local`: the same build context through the Docker CLI (a stand-in here, as no
 * engine runs on this machine), a registry login through the token exchange with the password on
 * stdin, a push, and a revision that runs the pushed image.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch } from '../helpers/cli.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;

before(async () => {
  emu = await startEmulator();
  // The registry's login server is the emulator, so the token exchange and the push land there.
  emu.acr.dataPlaneHere(true);
  cwd = await scratch();
  env = cliEnv(emu, 'user', { MCP_OBO_FAKE_DOCKER_LOG: join(await scratch(), 'docker.log') });
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
    const r = await runCli(['deploy', '--build', 'local'], env, { cwd, timeoutMs: 120_000 });
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
  const r = await runCli(['deploy', '--build', 'local'], { ...env, MCP_OBO_FAKE_DOCKER: 'down' }, { cwd, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /docker version failed/);
  assert.match(r.stderr, /Start the Docker engine/);
});
