/**
 * ARM and Graph calls that never answer: each has a timeout (MCP_OBO_HTTP_TIMEOUT_MS), is retried
 * when it is safe to repeat, and the step runs again when it is not; a call that keeps hanging ends
 * the run with a clear message instead of hanging it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, ndjson, REPLICATION, scratch } from '../helpers/cli.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ propagation: REPLICATION });
});
after(() => emu?.close());

const env = () => cliEnv(emu, 'deployer', { MCP_OBO_HTTP_TIMEOUT_MS: '1000' });

test('reads and writes that hang once, on ARM and Graph, are timed out and retried; the run completes', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'to01' });
  const hangs = [
    emu.faults.add({ method: 'GET', path: '/resourcegroups/rg-e2e-dev-to01$', hang: true, times: 1 }), // a read in a plan
    emu.faults.add({ method: 'PUT', path: '/userAssignedIdentities/id-e2e-dev-to01$', hang: true, times: 1 }), // an ARM write
    emu.faults.add({ method: 'GET', path: "^/v1.0/applications\\(uniqueName='mcp-obo-e2e-dev-to01'\\)$", hang: true, times: 1 }), // a Graph read
    emu.faults.add({ method: 'POST', path: '^/v1.0/groups$', hang: true, times: 1 }), // a Graph create: not repeated blindly
  ];
  try {
    const r = await runCli(['provision', '--no-secret', '--json'], env(), { cwd, timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    const events = ndjson(r.stdout);
    const summary = events.find((e) => e.event === 'result') as { steps: { status: string }[] };
    assert.ok(summary.steps.every((s) => s.status === 'done'));
    const retries = events.filter((e) => e.event === 'retry').map((e) => String(e.reason));
    assert.ok(retries.some((x) => /timeout/.test(x)), JSON.stringify(retries));
    assert.ok(retries.some((x) => /did not answer POST \/v1\.0\/groups within 1 s; running the step again/.test(x)), JSON.stringify(retries));
    assert.equal((emu.state().graph.groups as Array<{ displayName: string }>).filter((g) => g.displayName === 'MCP OAuth2 OBO Server Users (e2e-dev-to01)').length, 1, 'one group');
    for (const id of hangs) assert.ok(!emu.faults.list().some((f) => f.id === id), 'each hang was hit');
  } finally {
    emu.faults.clear();
  }
});

test('a call that never answers ends the run in bounded time with the host named; the rest finishes', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'to02' });
  emu.faults.add({ method: 'PUT', path: '/registries/acre2edevto02$', hang: true });
  try {
    const started = Date.now();
    const r = await runCli(['provision', '--no-secret'], env(), { cwd, timeoutMs: 90_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /container registry: 127\.0\.0\.1:\d+ did not answer PUT \/subscriptions\/.*\/registries\/acre2edevto02 within 1 s/);
    assert.match(r.stderr, /MCP_OBO_HTTP_TIMEOUT_MS/);
    assert.ok(Date.now() - started < 60_000, 'bounded by the attempts, not by the hang');
    const d = await deploymentFile(cwd);
    assert.ok(d.resources.identity && d.resources.application, 'independent steps finished');
  } finally {
    emu.faults.clear();
  }
});
