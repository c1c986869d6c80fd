/**
 * `deploy` of a project with its own tools: the image is built from the project (its tools and
 * its lock file, secrets left out) on mcp-obo's pinned base image, the container runs them, and
 * the stock MCP SDK client calls the user's tool in the deployed app, whose OBO request asks for
 * exactly that tool's scopes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { ROOT, runCli } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, scratch } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';
import { assertContract } from '../helpers/contract.ts';
import { MemoryOAuthProvider } from '../helpers/browser.ts';
import { connectThroughFacade } from '../helpers/facade.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;
type Obj = Record<string, any> & { id: string };

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'dj01' }, env);
  const made = await runCli(['tools', 'new', 'mail_peek'], env, { cwd });
  assert.equal(made.code, 0, made.stderr);
  // The project as `npm install mcp-obo` leaves it: a dependency and a lock file.
  const pkg = JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(cwd, 'package.json'), JSON.stringify({ ...pkg, dependencies: { 'mcp-obo': '^0.1.0' } }, null, 2));
  // What npm install puts there (this repository's build stands in for the published package).
  await mkdir(join(cwd, 'node_modules'), { recursive: true });
  await symlink(ROOT, join(cwd, 'node_modules', 'mcp-obo'), 'dir');
  await writeFile(join(cwd, 'package-lock.json'), JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages: { '': { dependencies: { 'mcp-obo': '^0.1.0' } }, 'node_modules/mcp-obo': { version: '0.1.0' } } }, null, 2));
  const file = join(cwd, 'mcp-obo.e2e-dev.json');
  const d = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...d, tools: { packs: ['profile'], modules: ['./tools'] } }, null, 2));
  const p = await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(p.code, 0, p.stderr);
});
after(() => emu?.close());

test('deploy builds the project into the image and runs its tools; the SDK client calls them in Azure (emulated)', async () => {
  emu.requests.length = 0;
  const r = await runCli(['deploy', '--json'], env, { cwd, timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = assertContract('deploy', r.stdout, { ok: true }) as { excluded: string[] | null };
  const d0 = await deploymentFile(cwd);
  assert.ok(summary.excluded?.includes(`.env.${d0.prefix}-${d0.env}.local`), `the local secret never goes into the build context: ${JSON.stringify(summary.excluded)}`);

  // The image: built from the project's generated Dockerfile.
  const image = (emu.state().acr as Record<string, { repository: string; config: { entrypoint: string[] } }[]>)['acre2edevdj01']!.at(-1)!;
  assert.deepEqual(image.config.entrypoint, ['node', 'node_modules/mcp-obo/bin/mcp-obo'], 'the server is the mcp-obo the project locks');

  const d = await deploymentFile(cwd);
  const app = (emu.state().arm as Obj[]).find((x) => x.type === 'Microsoft.App/containerApps')!;
  const vars = Object.fromEntries((app.properties.template.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
  assert.equal(vars.MCP_OBO_TOOLS, '/app/tools');
  assert.equal(vars.MCP_OBO_TOOL_PACKS, 'profile');

  emu.requests.length = 0;
  const { client } = await connectThroughFacade(d.mcpUrl, new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53691/callback' }));
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['devops_get_profile', 'get_user_context', 'graph_get_profile', 'mail_peek']);
  const result = (await client.callTool({ name: 'mail_peek', arguments: { top: 2 } })) as { isError?: boolean; structuredContent?: { messages: unknown[] } };
  assert.equal(result.isError, undefined, JSON.stringify(result));
  assert.equal(result.structuredContent!.messages.length, 2);
  const obo = emu.requests.filter((q) => /oauth2\/v2.0\/token$/.test(q.path) && (q.body as Record<string, string>)?.requested_token_use === 'on_behalf_of');
  assert.deepEqual(obo.map((q) => (q.body as Record<string, string>).scope!.split(' ').filter((s) => s.includes('/'))), [[`${emu.url}/Mail.Read`]]);
  await client.close();
});

test('a project without a lock file, or without mcp-obo as a dependency, is refused before anything is built (exit 2)', async () => {
  const lock = await readFile(join(cwd, 'package-lock.json'), 'utf8');
  await writeFile(join(cwd, 'package-lock.json.bak'), lock);
  const { rm } = await import('node:fs/promises');
  await rm(join(cwd, 'package-lock.json'));
  try {
    emu.requests.length = 0;
    const r = await runCli(['deploy'], env, { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has no package-lock\.json[\s\S]*npm install/);
    assert.ok(!emu.requests.some((q) => q.method !== 'GET' && !q.path.includes('/oauth2/')), 'nothing was uploaded or changed');
  } finally {
    await writeFile(join(cwd, 'package-lock.json'), lock);
  }
});
