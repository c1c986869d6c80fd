/**
 * The tool packs against the emulator (Graph and DevOps answering from the product's sample tenant),
 * driven by the MCP SDK client: every pack's tools return data as the user; each tool's OBO request
 * carries exactly its scopes; one tool's missing consent leaves the others working; a 429 is
 * retried once after Retry-After; a CAE challenge on any tool reaches the client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startEmulator, type Emulator, type RequestLogEntry } from '../emulator/index.ts';
import { formOf, serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';

const ALL_PACKS = 'profile,mail,calendar,files,sharepoint,devops-work,devops-pipelines';
const GRAPH = ['User.Read', 'Mail.Read', 'Mail.Send', 'Calendars.Read', 'Calendars.ReadBasic', 'Files.Read.All', 'Sites.Read.All', 'Sites.ReadWrite.All'];
const DEVOPS = ['vso.profile', 'vso.work', 'vso.work_write', 'vso.build', 'vso.build_execute'];

let emu: Emulator;
let serve: ServeProcess;

before(async () => {
  emu = await startEmulator();
  emu.setConsentedScopes('graph', GRAPH);
  emu.setConsentedScopes('devops', DEVOPS);
  serve = await startServe(serverEnv(emu, { MCP_OBO_TOOL_PACKS: ALL_PACKS }));
});
after(async () => {
  await serve?.stop();
  await emu?.close();
});

type Result = { isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'packs', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Result> {
  return (await client.callTool({ name, arguments: args })) as Result;
}

async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await call(client, name, args);
  assert.equal(r.isError, undefined, `${name}: ${r.content[0]?.text}`);
  return r.structuredContent as Record<string, any>;
}

/** The resource scopes (OIDC ones left out) of each OBO request in the log. */
const oboScopes = (log: RequestLogEntry[]) =>
  log.filter((r) => r.path.endsWith('/oauth2/v2.0/token') && formOf(r).requested_token_use === 'on_behalf_of').map((r) => formOf(r).scope!.split(' ').filter((s) => s.includes('/')).sort());

test('every pack offers its tools, annotated, and each returns sample data as the signed-in user', async () => {
  const client = await connect(await emu.mintUserToken());
  const { tools } = await client.listTools();
  assert.equal(tools.length, 23);
  const send = tools.find((t) => t.name === 'mail_send')!;
  assert.equal(send.annotations?.destructiveHint, true);
  assert.equal(tools.find((t) => t.name === 'mail_list_recent')!.annotations?.readOnlyHint, true);

  const me = emu.defaultUser;
  const inbox = await ok(client, 'mail_list_recent', { limit: 3 });
  assert.equal(inbox.messages.length, 3);
  assert.ok(inbox.nextCursor, 'more mail on the next page');
  const second = await ok(client, 'mail_list_recent', { limit: 3, cursor: inbox.nextCursor });
  assert.notEqual(second.messages[0].id, inbox.messages[0].id);
  const cursorElsewhere = await call(client, 'mail_list_recent', { cursor: `${emu.url}/v1.0/me/drive/root/children?$skip=3` });
  assert.equal(cursorElsewhere.isError, true, 'a cursor cannot point the tool at another collection');
  const message = await ok(client, 'mail_read', { id: inbox.messages[0].id });
  assert.match(message.body, new RegExp(`Hi ${me.givenName}`));
  assert.equal((await ok(client, 'mail_search', { query: 'budget review' })).messages[0].subject, 'Q3 marketing budget review');
  assert.deepEqual(await ok(client, 'mail_send', { to: [me.mail], subject: 'Note to self', body: 'hello' }), { sent: true, to: [me.mail], cc: [], subject: 'Note to self' });
  assert.equal((await ok(client, 'mail_list_recent', { limit: 1 })).messages[0].subject, 'Note to self', 'the sent mail arrived');

  assert.ok((await ok(client, 'calendar_today')).events.some((e: { subject: string }) => e.subject === 'Daily retail stand-up'));
  const paris = await ok(client, 'calendar_today', { timeZone: 'Europe/Paris' });
  assert.equal(paris.events[0].timeZone, 'Europe/Paris');
  assert.ok((await ok(client, 'calendar_upcoming', { days: 7 })).events.length > 0);
  const start = new Date(Date.now() + 24 * 3_600_000);
  start.setUTCHours(9, 0, 0, 0);
  const freeBusy = await ok(client, 'calendar_free_busy', { people: [me.mail, 'nobody@example.com'], start: start.toISOString(), end: new Date(start.getTime() + 4 * 3_600_000).toISOString(), intervalMinutes: 60 });
  assert.deepEqual(freeBusy.schedules[0].slots.map((s: { status: string }) => s.status), ['free', 'busy', 'busy', 'free'], 'the 10:00-11:30 budget review');
  assert.ok(freeBusy.schedules[1].error);

  const found = await ok(client, 'files_search', { query: 'falcon launch' });
  const plan = found.files.find((f: { name: string }) => f.name === 'Falcon launch plan.md');
  assert.ok(plan);
  const text = await ok(client, 'files_read_text', { driveId: plan.driveId, itemId: plan.itemId });
  assert.match(text.text, /^# Project Falcon: launch plan/);
  const big = (await ok(client, 'files_search', { query: 'inventory export' })).files[0];
  const cut = await ok(client, 'files_read_text', { driveId: big.driveId, itemId: big.itemId, maxChars: 1000 });
  assert.equal(cut.truncated, true);
  assert.ok(cut.text.length <= 1001);
  const pdf = (await ok(client, 'files_search', { query: 'brand guidelines' })).files[0];
  const refused = await call(client, 'files_read_text', { driveId: pdf.driveId, itemId: pdf.itemId });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0]!.text, /application\/pdf; only text files/);

  const sites = (await ok(client, 'sharepoint_find_sites', { query: 'marketing' })).sites;
  assert.equal(sites[0].name, 'Contoso Marketing');
  const items = await ok(client, 'sharepoint_list_items', { siteId: sites[0].id, list: 'Campaigns', columns: ['Title', 'Status'] });
  assert.deepEqual(Object.keys(items.items[0].fields).sort(), ['Status', 'Title', 'id']);
  const created = await ok(client, 'sharepoint_create_item', { siteId: sites[0].id, list: 'Campaigns', fields: { Title: 'Spring sale', Status: 'Planned' } });
  await ok(client, 'sharepoint_update_item', { siteId: sites[0].id, list: 'Campaigns', itemId: created.id, fields: { Status: 'Approved' } });
  const after = await ok(client, 'sharepoint_list_items', { siteId: sites[0].id, list: 'Campaigns' });
  assert.equal(after.items.find((i: { id: string }) => i.id === created.id).fields.Status, 'Approved');

  const mine = (await ok(client, 'devops_my_work_items', { organization: 'contoso' })).workItems;
  assert.ok(mine.length > 0 && mine.every((w: { assignedTo: string; state: string }) => w.assignedTo === me.displayName && w.state !== 'Closed'));
  assert.equal((await ok(client, 'devops_get_work_item', { organization: 'contoso', id: mine[0].id })).id, mine[0].id);
  const bug = await ok(client, 'devops_create_work_item', { organization: 'contoso', project: 'Falcon', type: 'Bug', title: 'Till crashes on refunds', priority: 1 });
  assert.equal((await ok(client, 'devops_update_work_item', { organization: 'contoso', id: bug.id, state: 'Active', assignedTo: me.userPrincipalName })).state, 'Active');
  const notMine = await call(client, 'devops_my_work_items', { organization: 'northwind' });
  assert.equal(notMine.isError, true, 'an organisation the user is not in');

  const pipelines = (await ok(client, 'devops_list_pipelines', { organization: 'contoso', project: 'Falcon' })).pipelines;
  assert.deepEqual(pipelines.map((p: { name: string }) => p.name), ['falcon-ci', 'falcon-release']);
  const run = await ok(client, 'devops_run_pipeline', { organization: 'contoso', project: 'Falcon', pipelineId: pipelines[0].id, branch: 'main' });
  assert.equal(run.state, 'inProgress');
  assert.equal((await ok(client, 'devops_pipeline_runs', { organization: 'contoso', project: 'Falcon', pipelineId: pipelines[0].id, runId: run.id })).runs[0].branch, 'refs/heads/main');
  await client.close();
});

test("each tool's OBO request asks for exactly that tool's scopes, and is cached per scope set", async () => {
  const user = emu.addUser({ devopsOrgs: ['contoso'] });
  const client = await connect(await emu.mintUserToken({ user }));
  emu.requests.length = 0;
  await ok(client, 'mail_list_recent');
  await ok(client, 'mail_read', { id: (await ok(client, 'mail_list_recent')).messages[0].id });
  await ok(client, 'devops_my_work_items', { organization: 'contoso' });
  await ok(client, 'files_search', { query: 'falcon' });
  assert.deepEqual(oboScopes(emu.requests), [[`${emu.url}/Mail.Read`], ['499b84ac-1321-427f-aa17-267ca6975798/vso.work'], [`${emu.url}/Files.Read.All`, `${emu.url}/Sites.Read.All`]]);
  // The token Graph received for the mail tool holds Mail.Read and nothing else.
  const mailCall = emu.requests.find((r) => r.path === '/v1.0/me/mailFolders/inbox/messages')!;
  const claims = JSON.parse(Buffer.from(String(mailCall.headers.authorization).split('.')[1]!, 'base64url').toString()) as { scp: string };
  assert.equal(claims.scp, 'Mail.Read');
  await client.close();
});

test('a tool whose permission lacks consent says which one and what to run; the other tools keep working', async () => {
  emu.setConsentedScopes('graph', GRAPH.filter((s) => s !== 'Mail.Read'));
  try {
    const client = await connect(await emu.mintUserToken());
    const denied = await call(client, 'mail_list_recent');
    assert.equal(denied.isError, true);
    assert.match(denied.content[0]!.text, /Admin consent for Microsoft Graph \(Mail\.Read\) is missing .*AADSTS65001.*`mcp-obo consent`/);
    assert.ok((await ok(client, 'calendar_today')).events.length > 0, 'calendar still works');
    assert.ok((await ok(client, 'devops_my_work_items', { organization: 'contoso' })).workItems.length > 0, 'DevOps still works');
    await client.close();
  } finally {
    emu.setConsentedScopes('graph', GRAPH);
  }
});

test('a Graph 429 with Retry-After is retried once after the wait; a second 429 becomes a retryable tool error', async () => {
  const client = await connect(await emu.mintUserToken());
  await ok(client, 'mail_list_recent');
  emu.faults.add({ method: 'GET', path: '^/v1.0/me/mailFolders/inbox/messages$', status: 429, retryAfter: 1, times: 1 });
  emu.requests.length = 0;
  assert.ok((await ok(client, 'mail_list_recent')).messages.length > 0);
  const calls = emu.requests.filter((r) => r.path === '/v1.0/me/mailFolders/inbox/messages');
  assert.deepEqual(calls.map((r) => r.status), [429, 200]);
  assert.ok(calls[1]!.startedAt - calls[0]!.endedAt! >= 900, `waited ${calls[1]!.startedAt - calls[0]!.endedAt!} ms for Retry-After: 1`);

  emu.faults.add({ method: 'GET', path: '^/v1.0/me/mailFolders/inbox/messages$', status: 429, retryAfter: 1, times: 2 });
  emu.requests.length = 0;
  const throttled = await call(client, 'mail_list_recent');
  assert.equal(throttled.isError, true);
  assert.match(throttled.content[0]!.text, /Microsoft Graph is throttling requests/);
  assert.equal(throttled._meta?.['mcp-obo/retryable'], true);
  assert.equal(emu.requests.filter((r) => r.path === '/v1.0/me/mailFolders/inbox/messages').length, 2, 'retried once, not more');
  emu.faults.clear();
  await client.close();
});

test('Continuous Access Evaluation on a pack tool: the challenge reaches the client, the cached token is dropped', async () => {
  const user = emu.addUser();
  const token = await emu.mintUserToken({ user });
  const client = await connect(token);
  await ok(client, 'mail_list_recent');
  await new Promise((r) => setTimeout(r, 1100)); // revocation after the token's second
  emu.revokeSessions(user.oid);
  emu.requests.length = 0;
  const challenged = await call(client, 'mail_list_recent');
  assert.equal(challenged.isError, true);
  assert.ok(challenged._meta?.['mcp-obo/claims'], 'the claims challenge is handed to the client');
  assert.equal(oboScopes(emu.requests).length, 1, 'Entra was asked once more, with the claims');
  await client.close();
});
