/** Runs __NAME__ against mcp-obo's local sign-in and sample tenant (no Azure): `node --test`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from 'mcp-obo/testing';
import tool from './__FILE__';

test('__NAME__ returns the newest messages of the signed-in user', async () => {
  const server = await startTestServer({ tools: [tool] });
  try {
    const result = await server.call('__NAME__', { top: 3 });
    assert.equal(result.isError, undefined, JSON.stringify(result.content));
    const { messages } = result.structuredContent as { messages: { subject: string }[] };
    assert.equal(messages.length, 3);

    // Another sample user sees their own mail.
    const alex = await server.call('__NAME__', { top: 1 }, { user: 'Alex Wilber' });
    assert.equal(alex.isError, undefined);
  } finally {
    await server.close();
  }
});

test('__NAME__ says what to do when its permission lacks consent', async () => {
  const server = await startTestServer({ tools: [tool], withoutConsent: ['graph/Mail.Read'] });
  try {
    const result = await server.call('__NAME__', {});
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /mcp-obo consent/);
  } finally {
    await server.close();
  }
});
