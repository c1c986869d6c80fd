/**
 * `serve --tools ./tools --watch`: editing a tool, or a helper it imports, adding one, or saving a
 * broken file reloads the tools in the same process; a broken file keeps the previous tools.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';
import { scratch } from '../helpers/cli.ts';

const API = new URL('../../src/tools/index.ts', import.meta.url).href;
const tool = (name: string) => `import { defineTool } from '${API}';\nimport { GREETING } from './_greeting.ts';\nexport default defineTool({ name: '${name}', description: 'Greets.', scopes: {}, handler: async (_i, ctx) => \`\${GREETING} \${ctx.user.name}\` });\n`;

let emu: Emulator;
let dir: string;
let serve: ServeProcess;
before(async () => {
  emu = await startEmulator();
  dir = await scratch();
  await mkdir(join(dir, 'tools'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  await writeFile(join(dir, 'tools', '_greeting.ts'), "export const GREETING = 'Hello';\n");
  await writeFile(join(dir, 'tools', 'hello.ts'), tool('hello'));
  serve = await startServe(serverEnv(emu, { MCP_OBO_TOOL_PACKS: 'none' }), ['--tools', './tools', '--watch'], { cwd: dir });
});
after(async () => {
  await serve?.stop();
  await emu?.close();
});

async function session() {
  const c = new Client({ name: 'watch', version: '0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${await emu.mintUserToken()}` } } }));
  return c;
}
const text = async (c: Client, name: string) => ((await c.callTool({ name, arguments: {} })) as { content: { text: string }[] }).content[0]!.text;

/** Waits until `check` holds (a reload follows a file change asynchronously, after the editor settles). */
async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${serve.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a helper the tool imports is reloaded too; a new file adds a tool; a broken file keeps the previous tools', async () => {
  const c = await session();
  assert.equal(await text(c, 'hello'), `Hello ${emu.defaultUser.displayName}`);

  await writeFile(join(dir, 'tools', '_greeting.ts'), "export const GREETING = 'Bonjour';\n");
  await eventually('the helper reload', async () => (await text(c, 'hello')) === `Bonjour ${emu.defaultUser.displayName}`);

  await writeFile(join(dir, 'tools', 'bye.ts'), tool('bye'));
  const names = async () => (await c.listTools()).tools.map((t) => t.name).sort().join(',');
  await eventually('the new tool', async () => (await names()) === 'bye,hello');

  await writeFile(join(dir, 'tools', 'bye.ts'), 'export default {');
  await eventually('the failed reload', () => serve.logLines().some((l) => l.event === 'tools.reload_failed'));
  assert.deepEqual((await c.listTools()).tools.map((t) => t.name).sort(), ['bye', 'hello'], 'the previous tools stay');
  await c.close();
});
