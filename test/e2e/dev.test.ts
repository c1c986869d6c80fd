/**
 * `mcp-obo dev` with no Azure settings at all: a stock MCP client signs in through the facade and
 * the local sign-in page, and every pack's tools answer from the sample tenant as the chosen user.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createServer } from 'node:net';
import { bareEnv, signInToDev, startDev, type DevProcess } from '../helpers/dev.ts';
import { assertContract } from '../helpers/contract.ts';
import { runCli } from '../helpers/serve.ts';

const running: DevProcess[] = [];
after(async () => {
  for (const d of running) await d.stop();
});

type Result = { isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, any> };
const call = async (c: Client, name: string, args: Record<string, unknown> = {}) => (await c.callTool({ name, arguments: args })) as Result;
async function ok(c: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await call(c, name, args);
  assert.equal(r.isError, undefined, `${name}: ${r.content[0]?.text}`);
  return r.structuredContent!;
}

test('dev: sign in as a sample user through the facade and the local page; every pack answers with sample data', async () => {
  const dev = await startDev();
  running.push(dev);
  assert.equal(dev.info.tools.length, 23);
  assert.deepEqual(dev.info.users.map((u) => u.name), ['Adele Vance', 'Alex Wilber', 'Megan Bowen']);
  const client = await signInToDev(dev.info.mcpUrl, 'Alex Wilber');
  assert.equal((await ok(client, 'get_user_context')).name, 'Alex Wilber');
  assert.ok((await ok(client, 'mail_list_recent')).messages.length > 0);
  assert.ok((await ok(client, 'calendar_upcoming')).events.length > 0);
  const file = (await ok(client, 'files_search', { query: 'store visit' })).files[0];
  assert.match((await ok(client, 'files_read_text', { driveId: file.driveId, itemId: file.itemId })).text, /Seattle store visit/);
  assert.ok((await ok(client, 'sharepoint_find_sites', { query: 'retail' })).sites[0].lists.length > 0);
  assert.ok((await ok(client, 'devops_my_work_items', { organization: 'contoso' })).workItems.every((w: { assignedTo: string }) => w.assignedTo === 'Alex Wilber'));
  assert.ok((await ok(client, 'devops_list_pipelines', { organization: 'contoso', project: 'Website' })).pipelines.length > 0);
  await client.close();
  assert.doesNotMatch(dev.output(), /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, 'no token in the output');
});

test('dev --without-consent: that tool says which permission and what to run; the others work', async () => {
  const dev = await startDev(['--packs', 'mail,calendar', '--without-consent', 'graph/Mail.Read']);
  running.push(dev);
  assert.deepEqual(dev.info.tools.slice().sort(), ['calendar_free_busy', 'calendar_today', 'calendar_upcoming', 'mail_list_recent', 'mail_read', 'mail_search', 'mail_send']);
  const client = await signInToDev(dev.info.mcpUrl, 'Adele Vance');
  const denied = await call(client, 'mail_list_recent');
  assert.equal(denied.isError, true);
  assert.match(denied.content[0]!.text, /Microsoft Graph \(Mail\.Read\).*AADSTS65001.*mcp-obo consent/);
  assert.ok((await ok(client, 'calendar_today')).events.length > 0);
  await client.close();
});

test('dev refuses a bad --without-consent and an unknown pack before starting (exit 2)', async () => {
  await assert.rejects(startDev(['--without-consent', 'Mail.Read']), /exited with 2[\s\S]*graph\/<permission>/);
  await assert.rejects(startDev(['--packs', 'mail,weather']), /exited with 2[\s\S]*unknown pack "weather"/);
});

test('dev on a port in use: which port, how to find the process, the flag; --json says so in the contract (exit 1)', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const r = await runCli(['dev', '--port', String(port), '--json'], bareEnv());
    assert.equal(r.code, 1, r.stderr);
    const doc = assertContract('dev', r.stdout, { ok: false });
    assert.match(doc.error.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(doc.error.advice, new RegExp(`lsof -nP -iTCP:${port} -sTCP:LISTEN[\\s\\S]*mcp-obo dev --port ${port + 1}`));
  } finally {
    busy.close();
  }
});
