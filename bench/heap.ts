/**
 * What each user costs the server: serves BENCH_USERS (default 5000) distinct new users, each
 * calling a tool that makes an On-Behalf-Of exchange, with the image's NODE_OPTIONS, then takes a
 * heap snapshot (which collects garbage first) and summarises it (bench/heap-summary.ts): the
 * retained size of each cache, per user, and the heap by constructor.
 * Usage: node bench/heap.ts [Constructor,...]   (after npm run build)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.ts';
import { serverEnv } from '../test/helpers/serve.ts';
import { newFacadeKey } from '../test/helpers/facade.ts';
import { trustCa } from '../test/helpers/trust.ts';
import { pool, rssMiB } from './lib.ts';
import { IMAGE_NODE_OPTIONS } from './image.ts';
import { summarise } from './heap-summary.ts';

const BIN = fileURLToPath(new URL('../bin/mcp-obo', import.meta.url));
const USERS = Number(process.env.BENCH_USERS ?? 5000);
const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"graph_get_profile","arguments":{}}}';

const emu = await startEmulator();
trustCa(emu.caPem);
const dir = mkdtempSync(join(tmpdir(), 'mcp-obo-heap-'));
const env = serverEnv(emu, { LOG_LEVEL: 'info', MCP_OBO_AUTH: undefined, MCP_OBO_FACADE_KEY: newFacadeKey(), NODE_OPTIONS: `${IMAGE_NODE_OPTIONS} --heapsnapshot-signal=SIGUSR1 --diagnostic-dir=${dir}` });
const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  let out = '';
  const url = await new Promise<string>((resolve) => {
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      out = (out + d).slice(-100_000);
      const m = /"event":"server.listening"[^\n]*"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!.replace('0.0.0.0', '127.0.0.1'));
    });
  });
  const idle = rssMiB(proc.pid!);
  await pool(Array.from({ length: USERS }, (_, i) => i), 8, async () => {
    const token = await emu.mintUserToken({ user: emu.addUser() });
    const res = await fetch(`${url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: CALL });
    const json = (await res.json()) as { result?: { isError?: boolean } };
    if (!json.result || json.result.isError) throw new Error(`bad response ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  });
  const rss = rssMiB(proc.pid!);
  proc.kill('SIGUSR1');
  let file: string | undefined;
  // The snapshot is complete once the process answers again: poll for the file, then for its size to settle.
  for (let last = -1; ; await new Promise((r) => setTimeout(r, 500))) {
    file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const size = (await import('node:fs')).statSync(join(dir, file)).size;
    if (size === last && size > 0) break;
    last = size;
  }
  const r = summarise(join(dir, file), process.argv[2]?.split(',') ?? ['LRUCache', 'OboTokenCache', 'KeyStore', 'KeyedLimiter']);
  const kib = (b: number) => (b / 1024).toFixed(2);
  console.log(`${USERS} users: RSS ${rss.toFixed(0)} MiB (idle ${idle.toFixed(0)}), live heap ${(r.totalBytes / 1024 / 1024).toFixed(1)} MiB; snapshot ${join(dir, file)}`);
  console.log('\nretained per instance (>= 64 KiB), and per user');
  for (const e of r.retained.filter((x) => x.bytes >= 65_536)) console.log(`${(e.bytes / 1024 / 1024).toFixed(2).padStart(8)} MiB  ${kib(e.bytes / USERS).padStart(6)} KiB/user  ${e.name}`);
  console.log('\nself size by constructor, per user');
  for (const e of r.byName.slice(0, 25)) console.log(`${(e.bytes / 1024 / 1024).toFixed(2).padStart(8)} MiB  ${String(e.count).padStart(8)}  ${kib(e.bytes / USERS).padStart(6)} KiB/user  ${e.name}`);
} finally {
  proc.kill('SIGTERM');
  await emu.close();
}
