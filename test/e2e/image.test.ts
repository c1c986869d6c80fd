/**
 * The container image without a Docker engine: the repository's Dockerfile played step by step into
 * a temporary folder (each COPY, the `npm ci` RUN, the compile-cache RUN, ENV, WORKDIR), then its
 * ENTRYPOINT + CMD run from there against the emulator. Proves the image's server-only dependency
 * set is enough for `serve`, and measures what it installs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyArgs, globalArgs, pairs, parseDockerfile, substitute, words } from '../emulator/core/dockerfile.ts';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { ROOT, serverEnv } from '../helpers/serve.ts';

const exec = promisify(execFile);
/** Packages the CLI needs and the server must not carry (the Graph client is the server's too: tools get one). */
const CLI_ONLY = ['@azure/identity', '@azure/arm-appcontainers', '@azure/arm-containerregistry', '@inquirer/prompts', 'execa', 'tar', '@balena/dockerignore'];

let emu: Emulator;
let dir: string;
let image: { root: string; env: Record<string, string>; command: string[]; workdir: string };

/** Plays the Dockerfile: stage folders under `dir`, image paths (/app/...) mapped into the final stage's folder. */
async function playDockerfile(): Promise<typeof image> {
  const ins = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
  const vars = globalArgs(ins, {});
  const stages = new Map<string, string>();
  let stage = '';
  let env: Record<string, string> = {};
  let workdir = '/';
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const local = (p: string) => join(stage, p.startsWith('/') ? p : join(workdir, p));
  for (const i of ins) {
    if (i.cmd === 'FROM') {
      const w = words(i.args);
      stage = join(dir, `stage${stages.size}`);
      await mkdir(stage, { recursive: true });
      if (w[1]?.toUpperCase() === 'AS') stages.set(w[2]!.toLowerCase(), stage);
      else stages.set(String(stages.size), stage);
      [env, workdir, entrypoint, cmd] = [{}, '/', [], []];
      assert.match(substitute(w[0]!, vars), /^mcr\.microsoft\.com\/mirror\/docker\/library\/node:24[\w.-]*@sha256:[a-f0-9]{64}$/, 'the base image: the MAR mirror, pinned by digest');
    } else if (i.cmd === 'WORKDIR') {
      workdir = i.args;
      await mkdir(local('.'), { recursive: true });
    } else if (i.cmd === 'ENV') {
      for (const [k, v] of pairs(i.args)) env[k] = substitute(v, env);
    } else if (i.cmd === 'COPY') {
      const { flags, sources, dest } = copyArgs(i.args);
      const from = flags.from === undefined ? ROOT : stages.get(flags.from.toLowerCase())!;
      for (const src of sources) {
        const target = dest.endsWith('/') || sources.length > 1 ? join(local(dest), src.split('/').pop()!) : local(dest);
        // From the context, .dockerignore leaves source maps out; from another stage everything comes.
        await cp(join(from, src), target, { recursive: true, filter: (f) => from !== ROOT || !f.endsWith('.map') });
      }
    } else if (i.cmd === 'RUN') {
      // Only what the Dockerfile runs: npm ci (from the npm cache here), and node for the compile cache.
      const first = i.args.split('&&')[0]!.trim();
      const [prog, ...args] = words(first);
      const runEnv = { ...process.env, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.startsWith('/app') ? join(stage, v) : v])) };
      if (prog === 'npm') await exec('npm', [...args, '--prefer-offline'], { cwd: local('.'), env: runEnv, timeout: 240_000 });
      else if (prog === 'node') await exec(process.execPath, args, { cwd: local('.'), env: runEnv });
      else assert.fail(`the Dockerfile runs ${prog}: teach this test what it does`);
    } else if (i.cmd === 'ENTRYPOINT') entrypoint = JSON.parse(i.args) as string[];
    else if (i.cmd === 'CMD' && !i.args.startsWith('[')) continue;
    else if (i.cmd === 'CMD') cmd = JSON.parse(i.args) as string[];
  }
  return { root: stage, env, command: [...entrypoint, ...cmd], workdir };
}

async function bytesIn(path: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(path, { withFileTypes: true, recursive: true })) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-obo-image-'));
  emu = await startEmulator();
  image = await playDockerfile();
});
after(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the image installs only what serve needs, keeps only the chunks serve loads, and its SBOM lists both', async (t) => {
  const app = join(image.root, image.workdir);
  const lock = JSON.parse(await readFile(join(ROOT, 'dist/image/npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const { stdout } = await exec('npm', ['ls', '--all', '--parseable', '--omit=dev'], { cwd: app });
  const installed = stdout.trim().split('\n').slice(1);
  const bytes = await bytesIn(join(app, 'node_modules'));
  t.diagnostic(`image node_modules: ${installed.length} packages, ${(bytes / 1e6).toFixed(1)} MB`);
  assert.equal(installed.length, Object.keys(lock.packages).length - 1, 'what the image lock names, nothing more');
  assert.ok(installed.length < 150, `${installed.length} packages (the whole CLI tree is about 209)`);
  for (const name of CLI_ONLY) assert.ok(!installed.some((p) => p.endsWith(`/node_modules/${name}`)), `${name} is not in the image`);

  // Of the bundled CLI, the image holds only the chunks serve loads, and none carries a CLI-only package.
  const serve = JSON.parse(await readFile(join(ROOT, 'dist/bundle/serve.json'), 'utf8')) as { chunks: string[]; packages: string[] };
  const shipped = (await readdir(join(app, 'dist/bundle'))).filter((f) => f.endsWith('.js')).sort();
  assert.deepEqual(shipped, [...serve.chunks].sort());
  assert.ok(shipped.length < (await readdir(join(ROOT, 'dist/bundle'))).filter((f) => f.endsWith('.js')).length, 'fewer chunks than the whole CLI');
  for (const name of CLI_ONLY) assert.ok(!serve.packages.includes(`node_modules/${name}`), `${name}'s code is not in the image`);

  // The SBOM lists every package the image holds: installed in node_modules, or bundled into its chunks.
  const sbom = JSON.parse(await readFile(join(app, 'sbom.cdx.json'), 'utf8')) as { bomFormat: string; specVersion: string; components: Array<{ name: string; group?: string; version: string; purl: string; hashes?: Array<{ alg: string }> }> };
  assert.equal(sbom.bomFormat, 'CycloneDX');
  const listed = new Set(sbom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`));
  const named = (path: string, version: string) => `${path.slice(path.lastIndexOf('node_modules/') + 13)}@${version}`;
  const installedHere = Object.entries(lock.packages).filter(([p]) => p !== '').map(([p, e]) => named(p, e.version));
  const full = JSON.parse(await readFile(join(ROOT, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const bundled = serve.packages.map((p) => named(p, full.packages[p]!.version));
  assert.ok(bundled.length > 50, `${bundled.length} bundled packages`);
  for (const c of [...installedHere, ...bundled]) assert.ok(listed.has(c), `${c} is in the SBOM`);
  assert.ok(sbom.components.every((c) => c.purl.startsWith('pkg:npm/') && c.hashes?.some((h) => h.alg === 'SHA-512')));
});

test('the image serves exactly as its ENTRYPOINT and CMD run it, against the emulator', async () => {
  const app = join(image.root, image.workdir);
  assert.deepEqual(image.command, ['node', 'bin/mcp-obo', 'serve', '--host', '0.0.0.0', '--port', '8000']);
  // The same command; only the port is a free one, because this machine is shared.
  const args = image.command.slice(1).map((a, i, all) => (all[i - 1] === '--port' ? '0' : a));
  const env = { ...serverEnv(emu), ...Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, v.startsWith('/app') ? join(image.root, v) : v])) };
  const proc: ChildProcess = spawn(process.execPath, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', () => {
        const m = /"event":"server.listening","url":"http:\/\/0\.0\.0\.0:(\d+)"/.exec(out);
        if (m) resolve(`http://127.0.0.1:${m[1]}`);
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
    });
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await emu.mintUserToken()}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_user_context', arguments: {} } }),
    });
    const body = (await res.json()) as { result: { structuredContent: { name: string } } };
    assert.equal(body.result.structuredContent.name, emu.defaultUser.displayName, out);
    assert.doesNotMatch(out, /Cannot find (package|module)/);
  } finally {
    proc.kill('SIGTERM');
    if (proc.exitCode === null) await once(proc, 'exit');
  }
});
