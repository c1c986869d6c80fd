/**
 * `npm run bench`: measures, in one run on this machine, against baselines taken in the same run.
 *   1. `mcp-obo --help` time as a ratio to `node -e 0`                       (target <= 2.5x)
 *   2. spawn to first 200 on /health, the image's command                    (target <= 400 ms median)
 *   3. authenticated tools/call throughput, warm OBO cache, as a ratio to the
 *      same tool on a bare MCP SDK server with no auth                       (target >= 0.8)
 *   4. server RSS after 10,000 distinct users called a tool, and after more  (target <= 250 MB, flat)
 * Set BENCH_USERS to change the user count (default 10000).
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { startEmulator } from '../test/emulator/index.ts';
import { serverEnv } from '../test/helpers/serve.ts';
import { newFacadeKey } from '../test/helpers/facade.ts';
import { trustCa } from '../test/helpers/trust.ts';
import { freePort, median, pool, rssMiB, startProcess, throughput, timeCommand } from './lib.ts';
import { benchProvision } from './provision.ts';

const BIN = fileURLToPath(new URL('../bin/mcp-obo', import.meta.url));
// Run the server as the image does: the Dockerfile's NODE_OPTIONS included.
const IMAGE_NODE_OPTIONS = /^ENV NODE_OPTIONS="?([^"\n]*)"?$/m.exec(readFileSync(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8'))?.[1] ?? '';
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const results: { metric: string; value: string; baseline: string; ratio: string; target: string; ok: boolean }[] = [];

const emu = await startEmulator();
trustCa(emu.caPem);
// The server's defaults: the authorization facade on, and one JSON line per request (part of the measured cost).
const env = { ...serverEnv(emu, { LOG_LEVEL: 'info', NODE_OPTIONS: IMAGE_NODE_OPTIONS, MCP_OBO_AUTH: undefined, MCP_OBO_FACADE_KEY: newFacadeKey() }) };

try {
  // 1. CLI start-up.
  await timeCommand(['-e', '0'], env, 3); // warm the file cache
  const baseline = median(await timeCommand(['-e', '0'], env, 15));
  const help = median(await timeCommand([BIN, '--help'], env, 15));
  results.push({ metric: 'mcp-obo --help', value: `${help.toFixed(0)} ms`, baseline: `node -e 0: ${baseline.toFixed(0)} ms`, ratio: `${(help / baseline).toFixed(2)}x`, target: '<= 2.5x', ok: help / baseline <= 2.5 });

  // 2. Cold start: the Dockerfile's command, to the first 200 on /health.
  const starts: number[] = [];
  const firstCalls: number[] = [];
  const coldToken = await emu.mintUserToken();
  for (let i = 0; i < 10; i++) {
    const port = await freePort();
    const started = performance.now();
    const { proc } = await import('node:child_process').then(({ spawn }) => ({ proc: spawn(process.execPath, [BIN, 'serve', '--host', '0.0.0.0', '--port', String(port)], { env, stdio: 'ignore' }) }));
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    starts.push(performance.now() - started);
    // For context: a first authenticated tool call (loads the app, discovery, keys, one OBO exchange).
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${coldToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"graph_get_profile","arguments":{}}}',
    });
    if (res.status !== 200) throw new Error(`first call failed: ${res.status}`);
    await res.text();
    firstCalls.push(performance.now() - started);
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  const cold = median(starts);
  const first = median(firstCalls);
  results.push({ metric: 'cold start to first tools/call 200', value: `${first.toFixed(0)} ms`, baseline: `node -e 0: ${baseline.toFixed(0)} ms`, ratio: `${(first / baseline).toFixed(2)}x`, target: '(information)', ok: true });
  results.push({ metric: 'cold start to /health 200', value: `${cold.toFixed(0)} ms`, baseline: `node -e 0: ${baseline.toFixed(0)} ms`, ratio: `${(cold / baseline).toFixed(2)}x`, target: '<= 400 ms', ok: cold <= 400 });

  // 3. Throughput against a bare MCP SDK server with the same tool.
  const ours = await startProcess([BIN, 'serve', '--port', '0'], env);
  // The same server straight at Entra: the facade's routes must cost tools/call nothing measurable.
  const entraMode = await startProcess([BIN, 'serve', '--port', '0'], { ...env, MCP_OBO_AUTH: 'entra' });
  const userToken = await emu.mintUserToken();
  const graphToken = await emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: 'User.Read' });
  const bare = await startProcess([BARE], { ...env, PORT: '0', GRAPH_ENDPOINT: emu.url, GRAPH_TOKEN: graphToken });
  const call = (url: string, token?: string) => async () => {
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"graph_get_profile","arguments":{}}}',
    });
    const body = (await res.json()) as { result?: { isError?: boolean } };
    if (res.status !== 200 || !body.result || body.result.isError) throw new Error(`bad response ${res.status} ${JSON.stringify(body)}`);
  };
  await call(ours.url, userToken)(); // warms discovery, keys and the OBO cache
  await call(entraMode.url, userToken)();
  await call(bare.url)();
  const oursRuns: number[] = [];
  const bareRuns: number[] = [];
  const entraRuns: number[] = [];
  for (let round = 0; round < 3; round++) {
    bareRuns.push(await throughput(call(bare.url), 8, 3000));
    oursRuns.push(await throughput(call(ours.url, userToken), 8, 3000));
    entraRuns.push(await throughput(call(entraMode.url, userToken), 8, 3000));
  }
  const o = median(oursRuns);
  const b = median(bareRuns);
  const en = median(entraRuns);
  results.push({ metric: 'tools/call throughput (warm OBO)', value: `${o.toFixed(0)} req/s`, baseline: `bare SDK: ${b.toFixed(0)} req/s`, ratio: `${(o / b).toFixed(2)}x`, target: '>= 0.8x', ok: o / b >= 0.8 });
  results.push({ metric: 'tools/call, facade on vs MCP_OBO_AUTH=entra', value: `${o.toFixed(0)} req/s`, baseline: `entra mode: ${en.toFixed(0)} req/s`, ratio: `${(o / en).toFixed(2)}x`, target: '>= 0.95x', ok: o / en >= 0.95 });
  bare.proc.kill('SIGTERM');
  entraMode.proc.kill('SIGTERM');

  // 4. Memory after many distinct users, then more: the OBO cache is bounded.
  const pid = ours.proc.pid!;
  const idle = rssMiB(pid);
  const runUsers = async (n: number) => {
    const users = Array.from({ length: n }, () => emu.addUser());
    await pool(users, 8, async (user) => call(ours.url, await emu.mintUserToken({ user }))());
  };
  const t0 = performance.now();
  await runUsers(USERS);
  const after1 = rssMiB(pid);
  await runUsers(Math.round(USERS / 2));
  const after2 = rssMiB(pid);
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  results.push({ metric: `RSS after ${USERS} users`, value: `${after1.toFixed(0)} MiB`, baseline: `idle: ${idle.toFixed(0)} MiB`, ratio: `${(after1 / idle).toFixed(2)}x`, target: '<= 250 MB', ok: after1 <= 250 });
  results.push({ metric: `RSS after ${USERS + Math.round(USERS / 2)} users (${secs} s)`, value: `${after2.toFixed(0)} MiB`, baseline: `after ${USERS}: ${after1.toFixed(0)} MiB`, ratio: `${(after2 / after1).toFixed(2)}x`, target: 'flat (<= 1.15x)', ok: after2 / after1 <= 1.15 && after2 <= 250 });
  ours.proc.kill('SIGTERM');

  // 5. Provisioning: the parallel plan against the same steps one after another.
  const p = await benchProvision(emu);
  results.push({ metric: 'provision, parallel plan', value: `${(p.parallelMs / 1000).toFixed(1)} s`, baseline: `longest chain: ${(p.chain.ms / 1000).toFixed(1)} s (${p.chain.path.join(' > ')})`, ratio: `${(p.parallelMs / p.chain.ms).toFixed(2)}x`, target: '<= 1.2x chain', ok: p.parallelMs / p.chain.ms <= 1.2 });
  results.push({ metric: 'provision, one step at a time', value: `${(p.sequentialMs / 1000).toFixed(1)} s`, baseline: `parallel: ${(p.parallelMs / 1000).toFixed(1)} s`, ratio: `${(p.parallelMs / p.sequentialMs).toFixed(2)}x`, target: 'far below 1x', ok: p.parallelMs / p.sequentialMs < 0.7 });
} finally {
  await emu.close();
}

console.log(`\nmcp-obo benchmarks (node ${process.version}, ${(await import('node:os')).cpus().length} cpus, server NODE_OPTIONS=${IMAGE_NODE_OPTIONS || '(none)'})\n`);
console.table(results.map((r) => ({ metric: r.metric, value: r.value, baseline: r.baseline, ratio: r.ratio, target: r.target, result: r.ok ? 'ok' : 'MISSED' })));
process.exitCode = 0;
