/**
 * Diagnoses that name the real cause: a client secret minutes old that Entra does not accept yet
 * (retried briefly by `test`, not called wrong), the AADSTS code behind a device-code sign-in's
 * invalid_grant, and a port already in use (which port, how to find the process, --port).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, startServe } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
const serveEnv = () => ({ PATH: env.PATH!, HOME: env.HOME!, NODE_EXTRA_CA_CERTS: emu.caCertPath, MCP_OBO_DEVOPS_ENDPOINT: `${emu.url}/devops` });

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'dg01' }, env);
});
after(() => emu?.close());

test('a client secret Entra does not accept yet: `test` says so and retries briefly, instead of calling it wrong', async () => {
  // Entra takes a while to accept a new secret (AADSTS7000215 meanwhile): here 12 s from when `test` starts,
  // however long provision took on this machine.
  try {
    const p = await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 });
    assert.equal(p.code, 0, p.stderr);
    const s = await startServe(serveEnv(), [], { cwd });
    emu.holdSecrets(12_000);
    try {
      const r = await runCli(['test', '--url', s.url.replace('127.0.0.1', 'localhost')], env, { cwd, timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /tools\/call graph_get_profile: Entra does not accept the server's new client secret yet \(AADSTS7000215\); a new secret takes a few minutes to work everywhere\. Retrying in 5 s\./);
      assert.doesNotMatch(r.stdout, /wrong or expired/);

      // The same refusal for a secret that is not new is not waited for: it is wrong.
      const file = join(cwd, 'mcp-obo.e2e-dev.json');
      const d = await deploymentFile(cwd);
      d.resources.clientSecret.startDateTime = new Date(Date.now() - 2 * 3600_000).toISOString();
      await writeFile(file, JSON.stringify(d, null, 2));
      const envFile = join(cwd, '.env.e2e-dev.local');
      const settings = await readFile(envFile, 'utf8');
      await writeFile(envFile, settings.replace(/^MCP_OBO_CLIENT_SECRET=.*$/m, 'MCP_OBO_CLIENT_SECRET=not-the-secret'), { mode: 0o600 });
      const wrong = await startServe(serveEnv(), [], { cwd });
      try {
        const w = await runCli(['test', '--url', wrong.url.replace('127.0.0.1', 'localhost')], env, { cwd, timeoutMs: 60_000 });
        assert.equal(w.code, 1);
        assert.doesNotMatch(w.stderr, /Retrying/);
        assert.match(w.stdout, /AADSTS7000215/);
        assert.match(w.stdout, /→ The client secret is wrong or expired: run `mcp-obo provision`/);
      } finally {
        await wrong.stop();
        await writeFile(envFile, settings, { mode: 0o600 });
      }
    } finally {
      await s.stop();
    }
  } finally {
    emu.holdSecrets(0);
  }
});

test('a device-code sign-in refused by Entra says its AADSTS code and the fix, not "run az login"', async () => {
  const stranger = emu.addUser({ displayName: 'Stranger', userPrincipalName: 'stranger@contoso.example' });
  emu.deviceCode.autoApprove(stranger.oid);
  try {
    const r = await runCli(['token', '--device-code'], env, { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /AADSTS50105/);
    assert.doesNotMatch(r.stderr, /invalid_grant: .*|az login/);
    assert.match(r.stderr, /mcp-obo users add <your sign-in name> --deployment e2e-dev/);
  } finally {
    emu.deviceCode.autoApprove(emu.defaultUser.oid);
  }
});

test('a port in use: which port, how to find the process, and --port (exit 1), not "unexpected, report it"', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const r = await runCli(['serve', '--port', String(port)], serveEnv(), { cwd });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(r.stderr, new RegExp(`lsof -nP -iTCP:${port} -sTCP:LISTEN`));
    assert.match(r.stderr, new RegExp(`mcp-obo serve --port ${port + 1}`));
    assert.doesNotMatch(r.stderr, /unexpected|report it/);
  } finally {
    busy.close();
  }
  // Another mcp-obo serve on that port is named as such.
  const first = await startServe(serveEnv(), [], { cwd });
  try {
    const second = await runCli(['serve', '--port', new URL(first.url).port], serveEnv(), { cwd });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /another mcp-obo serve already answers there/);
  } finally {
    await first.stop();
  }
});
