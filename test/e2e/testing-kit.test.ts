/** mcp-obo/testing: a user's tool run against the local platform and sample tenant from node --test, in process. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { defineTool, z } from '../../src/tools/index.ts';

const unread = defineTool({
  name: 'unread_count',
  description: 'How many unread messages the signed-in user has.',
  input: z.object({}),
  output: z.object({ user: z.string(), unread: z.number() }),
  annotations: { readOnlyHint: true },
  scopes: { graph: ['Mail.Read'] },
  async handler(_input, ctx) {
    const page = (await ctx.graph.api('/me/mailFolders/inbox/messages').filter('isRead eq false').select(['id']).top(100).get()) as { value: unknown[] };
    return { user: ctx.user.name ?? '', unread: page.value.length };
  },
});

const noScopes = defineTool({ name: 'forgot_scopes', description: 'Uses Graph without declaring it.', scopes: {}, handler: async (_i, ctx) => ctx.graph.api('/me').get() });

let server: TestServer;
before(async () => {
  server = await startTestServer({ tools: [unread, noScopes], packs: ['mail'] });
});
after(() => server?.close());

test('a tool runs as each sample user, with the real server in between', async () => {
  const adele = await server.call('unread_count');
  assert.equal(adele.isError, undefined, JSON.stringify(adele));
  assert.deepEqual(adele.structuredContent, { user: 'Adele Vance', unread: 4 });
  assert.equal((await server.call('unread_count', {}, { user: 'Megan Bowen' })).structuredContent?.user, 'Megan Bowen');
  await assert.rejects(server.call('unread_count', {}, { user: 'Nobody' }), /no sample user "Nobody"/);
});

test('what a tool changed is visible in the sample tenant; packs run beside your tools', async () => {
  const r = await server.call('mail_send', { to: ['AlexW@contoso.example'], subject: 'Kit test', body: 'hi' });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  const alex = server.users.find((u) => u.name === 'Alex Wilber')!;
  assert.equal(server.tenant.mailbox(alex.oid)[0]!.subject, 'Kit test');
});

test('a tool that calls an API it declared no scopes for gets a plain error naming the fix', async () => {
  const r = await server.call('forgot_scopes');
  assert.equal(r.isError, true);
  assert.match((r.content as { text: string }[])[0]!.text, /calls Microsoft Graph but declares no permissions for it: add scopes: \{ graph: \[\.\.\.\] \}/);
});

test('withoutConsent: the tool gets the consent advice it would get in a tenant', async () => {
  const strict = await startTestServer({ tools: [unread], withoutConsent: ['graph/Mail.Read'] });
  try {
    const r = await strict.call('unread_count');
    assert.equal(r.isError, true);
    assert.match((r.content as { text: string }[])[0]!.text, /Microsoft Graph \(Mail\.Read\).*AADSTS65001/);
  } finally {
    await strict.close();
  }
});
