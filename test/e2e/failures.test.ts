/**
 * Downstream and Entra failures as the user sees them: plain tool errors with the fix, no stack
 * traces, and a server that keeps serving.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';

let emu: Emulator;
let serve: ServeProcess;

before(async () => {
  emu = await startEmulator();
  serve = await startServe(serverEnv(emu));
});
afterEach(() => {
  emu.faults.clear();
  emu.setConsent('graph', true);
  emu.setConsent('devops', true);
});
after(async () => {
  await serve?.stop();
  await emu?.close();
});

/** Calls a tool as a brand-new user token (so no cached OBO result hides the failure). */
async function call(name: string, user = emu.defaultUser): Promise<CallToolResult> {
  const token = await emu.mintUserToken({ user });
  const c = new Client({ name: 'e2e', version: '0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  try {
    return (await c.callTool({ name, arguments: {} })) as CallToolResult;
  } finally {
    await c.close();
  }
}

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

test('admin consent missing (AADSTS65001) -> tool error that says to run mcp-obo consent', async () => {
  emu.setConsent('graph', false);
  const r = await call('graph_get_profile');
  assert.equal(r.isError, true);
  assert.match(text(r), /AADSTS65001/);
  assert.match(text(r), /mcp-obo consent/);
});

test('user not assigned (AADSTS50105) -> tool error about the users group', async () => {
  const user = emu.addUser({ assigned: false });
  const r = await call('devops_get_profile', user);
  assert.equal(r.isError, true);
  assert.match(text(r), /AADSTS50105/);
  assert.match(text(r), /group/);
});

test('MFA / Conditional Access -> the claims challenge comes back in _meta', async () => {
  const user = emu.addUser({ mfaRequired: true });
  const r = await call('graph_get_profile', user);
  assert.equal(r.isError, true);
  assert.match(text(r), /multi-factor|Conditional Access/);
  const claims = r._meta?.['mcp-obo/claims'];
  assert.equal(typeof claims, 'string');
  assert.ok(JSON.parse(claims as string).access_token, 'claims JSON for the client');
});

test('Entra 503 on the token endpoint -> retryable error, then success once it recovers', async () => {
  emu.faults.add({ method: 'POST', path: '/oauth2/v2.0/token$', status: 503, times: 10 });
  const r = await call('graph_get_profile');
  assert.equal(r.isError, true);
  assert.match(text(r), /temporarily unavailable|try again/i);
  assert.equal(r._meta?.['mcp-obo/retryable'], true);
  emu.faults.clear();
  const ok = await call('graph_get_profile');
  assert.equal(ok.isError, undefined);
});

test('Graph throttling with a short Retry-After is honoured once and succeeds', async () => {
  emu.faults.add({ method: 'GET', path: '^/v1.0/me$', status: 429, retryAfter: 1, times: 1 });
  const started = Date.now();
  const r = await call('graph_get_profile');
  assert.equal(r.isError, undefined, text(r));
  assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
  assert.equal(emu.requests.filter((q) => q.path === '/v1.0/me' && q.status === 429).length >= 1, true);
});

test('Graph throttling that persists -> throttled error naming the wait', async () => {
  emu.faults.add({ method: 'GET', path: '^/v1.0/me$', status: 429, retryAfter: 120 });
  const r = await call('graph_get_profile');
  assert.equal(r.isError, true);
  assert.match(text(r), /throttling.*120 s/);
});

test('DevOps answering with its HTML sign-in page is an authentication failure, not a crash', async () => {
  emu.faults.add({ method: 'GET', path: '^/devops/_apis/profile', status: 203, body: '<html>Sign in</html>', headers: { 'content-type': 'text/html' } });
  const r = await call('devops_get_profile');
  assert.equal(r.isError, true);
  assert.match(text(r), /sign-in page/);
});

test('get_user_context: one side failing is reported, the other still answers', async () => {
  emu.faults.add({ method: 'GET', path: '^/devops/', status: 500 });
  const r = await call('get_user_context');
  assert.equal(r.isError, undefined);
  const s = r.structuredContent as { name: string; errors: { source: string; message: string }[] };
  assert.equal(s.name, emu.defaultUser.displayName);
  assert.deepEqual(s.errors.map((e) => e.source), ['devops']);
});

test('the server survived every failure above and still answers health', async () => {
  const res = await fetch(`${serve.url}/health`);
  assert.equal(res.status, 200);
  assert.equal(serve.proc.exitCode, null);
  assert.doesNotMatch(serve.output(), /eyJ[A-Za-z0-9_-]{10,}/);
});
