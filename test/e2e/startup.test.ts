/** Starting and stopping `serve`: configuration errors, env files, managed identity, signals. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { formOf, runCli, serverEnv, startServe } from '../helpers/serve.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.close());

test('--help lists serve and exits 0; an unknown command exits 2', async () => {
  const help = await runCli(['--help'], serverEnv(emu));
  assert.equal(help.code, 0);
  assert.match(help.stdout, /serve/);
  const bad = await runCli(['frobnicate'], serverEnv(emu));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command/);
});

for (const [name, env, variable] of [
  ['missing tenant', { AZURE_TENANT_ID: undefined }, 'MCP_OBO_TENANT_ID \\(or AZURE_TENANT_ID\\)'],
  ['malformed client id', { AZURE_CLIENT_ID: 'my-app' }, 'AZURE_CLIENT_ID'],
  ['no credential', { AZURE_CLIENT_SECRET: undefined }, 'MCP_OBO_CLIENT_SECRET \\(or AZURE_CLIENT_SECRET\\)'],
  ['token age out of range', { MAX_TOKEN_AGE_HOURS: '500' }, 'MAX_TOKEN_AGE_HOURS'],
  ['http authority', { AZURE_AUTHORITY_HOST: 'http://login.example' }, 'AZURE_AUTHORITY_HOST'],
  ['unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
] as const) {
  test(`invalid configuration (${name}) fails before listening, naming ${variable.replaceAll('\\', '')}, exit 2`, async () => {
    const r = await runCli(['serve', '--port', '0'], serverEnv(emu, env as Record<string, string | undefined>));
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^error: ${variable} `));
    assert.doesNotMatch(r.stdout, /server.listening/);
    assert.ok(!r.stderr.includes(emu.serverApp.clientSecret));
  });
}

test('--env-file supplies the configuration; the environment wins over it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-env-'));
  const file = join(dir, '.env.dev');
  const env = serverEnv(emu);
  await writeFile(file, `AZURE_TENANT_ID=${env.AZURE_TENANT_ID}\nAZURE_CLIENT_ID=${env.AZURE_CLIENT_ID}\nAZURE_CLIENT_SECRET="${env.AZURE_CLIENT_SECRET}"\nAPP_URL=http://127.0.0.1:1\n`);
  await chmod(file, 0o600);
  const { AZURE_TENANT_ID: _t, AZURE_CLIENT_ID: _c, AZURE_CLIENT_SECRET: _s, ...rest } = env;
  const serve = await startServe({ ...rest, APP_URL: 'http://127.0.0.1:2' }, ['--env-file', file], { cwd: dir });
  try {
    const meta = (await (await fetch(`${serve.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string };
    assert.equal(meta.resource, 'http://127.0.0.1:2/mcp', 'environment beats the file');
  } finally {
    await serve.stop();
  }
});

test('.env.local in the working folder is read by default', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-env-'));
  const env = serverEnv(emu);
  await writeFile(join(dir, '.env.local'), `AZURE_TENANT_ID=${env.AZURE_TENANT_ID}\nAZURE_CLIENT_ID=${env.AZURE_CLIENT_ID}\nAZURE_CLIENT_SECRET=${env.AZURE_CLIENT_SECRET}\n`, { mode: 0o600 });
  const { AZURE_TENANT_ID: _t, AZURE_CLIENT_ID: _c, AZURE_CLIENT_SECRET: _s, ...rest } = env;
  const serve = await startServe(rest, [], { cwd: dir });
  await serve.stop();
  assert.match(serve.output(), /"event":"config.env_file"/);
});

test('an env file cannot fake the platform managed identity; a missing explicit file is an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-env-'));
  const file = join(dir, 'bad.env');
  await writeFile(file, 'IDENTITY_ENDPOINT=http://127.0.0.1:1/msi/token\nIDENTITY_HEADER=x\n');
  const r = await runCli(['serve', '--env-file', file], serverEnv(emu));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /IDENTITY_ENDPOINT is set by Azure Container Apps/);
  // Node itself checks that an --env-file argument exists, even after the script name
  // (nodejs/node#54232), and exits 9 before mcp-obo runs; the message still names the file.
  const missing = await runCli(['serve', '--env-file', join(dir, 'nope.env')], serverEnv(emu));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope\.env/);
});

test('managed identity: the client assertion is a fresh MI token, reused until near expiry; no secret used', async () => {
  emu.requests.length = 0;
  const serve = await startServe(
    serverEnv(emu, {
      AZURE_CLIENT_SECRET: undefined,
      IDENTITY_ENDPOINT: emu.identityEndpoint,
      IDENTITY_HEADER: emu.identityHeader,
      AZURE_MI_CLIENT_ID: emu.managedIdentity.clientId,
    }),
  );
  try {
    for (const user of [emu.defaultUser, emu.addUser()]) {
      const token = await emu.mintUserToken({ user });
      const c = new Client({ name: 'e2e', version: '0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      const r = await c.callTool({ name: 'graph_get_profile', arguments: {} });
      assert.equal((r.structuredContent as { id: string }).id, user.oid);
      await c.close();
    }
    const exchanges = emu.requests.filter((r) => /oauth2\/v2.0\/token$/.test(r.path));
    assert.equal(exchanges.length, 2);
    for (const x of exchanges) {
      const form = formOf(x);
      assert.equal(form.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      assert.ok(form.client_assertion);
      assert.equal(form.client_secret, undefined);
    }
    const miCalls = emu.requests.filter((r) => r.path === '/msi/token');
    assert.equal(miCalls.length, 1, 'the MI token is reused across exchanges');
    assert.match(serve.output(), /"credential":"managed-identity"/);
  } finally {
    await serve.stop();
  }
});

test('SIGTERM stops the server cleanly with exit code 0', async () => {
  const serve = await startServe(serverEnv(emu));
  assert.equal(await serve.stop(), 0);
  assert.match(serve.output(), /"event":"server.stopping","signal":"SIGTERM"/);
});

test('in Container Apps, /health names the revision that answered, before and after the app has loaded', async () => {
  const serve = await startServe(serverEnv(emu, { CONTAINER_APP_REVISION: 'ca-x-dev-ab12--k3j9x2q' }));
  try {
    // Right after listening the bare listener answers (the app is still loading); both must name the revision.
    const early = await fetch(`${serve.url}/health`);
    assert.deepEqual([early.status, early.headers.get('x-mcp-obo-revision'), await early.text()], [200, 'ca-x-dev-ab12--k3j9x2q', '{"status":"healthy"}']);
    await (await fetch(`${serve.url}/.well-known/oauth-protected-resource/mcp`)).body?.cancel(); // waits for the app
    const late = await fetch(`${serve.url}/health`);
    assert.deepEqual([late.status, late.headers.get('x-mcp-obo-revision'), late.headers.get('cache-control')], [200, 'ca-x-dev-ab12--k3j9x2q', 'no-store']);
  } finally {
    await serve.stop();
  }
  const local = await startServe(serverEnv(emu, { CONTAINER_APP_REVISION: 'not a revision\r\nx-injected: 1' }));
  try {
    const res = await fetch(`${local.url}/health`);
    assert.equal(res.headers.get('x-mcp-obo-revision'), null, 'only a revision-shaped value is echoed');
    assert.equal(res.headers.get('x-injected'), null);
  } finally {
    await local.stop();
  }
});
