/**
 * Continuous Access Evaluation: the server asks for CAE-capable tokens (CP1), and when Graph
 * challenges one (the user's sessions were revoked) it drops every cached Graph token of that
 * user, asks Entra once with the challenge, and hands the challenge to the MCP client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startEmulator, type Emulator, type RequestLogEntry } from '../emulator/index.ts';
import { formOf, serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';

let emu: Emulator;
let serve: ServeProcess;

before(async () => {
  emu = await startEmulator();
  serve = await startServe(serverEnv(emu));
});
after(async () => {
  await serve?.stop();
  await emu?.close();
});

async function profile(token: string) {
  const client = new Client({ name: 'cae', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  try {
    return (await client.callTool({ name: 'graph_get_profile', arguments: {} })) as { isError?: boolean; content: { text: string }[]; _meta?: Record<string, unknown> };
  } finally {
    await client.close();
  }
}

const graphCalls = (log: RequestLogEntry[]) => log.filter((r) => r.path.startsWith('/v1.0/me'));
const bearerOf = (r: RequestLogEntry) => String(r.headers.authorization).slice(7);
const obo = (log: RequestLogEntry[]) => log.filter((r) => r.path.endsWith('/oauth2/v2.0/token') && formOf(r).requested_token_use === 'on_behalf_of').map(formOf);

test('revoked sessions: Graph challenges the cached token; it is never served again; the client gets the challenge', async () => {
  const user = emu.addUser();
  const token = await emu.mintUserToken({ user });
  emu.requests.length = 0;
  assert.equal((await profile(token)).isError, undefined);
  const [first] = obo(emu.requests);
  assert.match(String(first!.claims), /"xms_cc":\{"values":\["CP1"\]\}/, 'the server asks for CAE-capable tokens');
  const challenged = bearerOf(graphCalls(emu.requests)[0]!);

  await new Promise((r) => setTimeout(r, 1100)); // revocation after the token's second
  emu.revokeSessions(user.oid);
  emu.requests.length = 0;
  const result = await profile(token);
  assert.equal(result.isError, true);
  assert.match(result.content[0]!.text, /Continuous Access Evaluation|sign in again/i);
  const claims = JSON.parse(String(result._meta?.['mcp-obo/claims'])) as { access_token: { nbf: { value: string } } };
  assert.ok(Number(claims.access_token.nbf.value) > 0, 'the challenge reaches the client');
  const retried = obo(emu.requests);
  assert.equal(retried.length, 1, 'Entra was asked once, with the challenge');
  assert.match(String(retried[0]!.claims), /"nbf"/);
  assert.match(serve.output(), /"event":"obo.evicted"/);

  // The challenged Graph token is never sent again, whatever the client does next.
  emu.requests.length = 0;
  await profile(token);
  assert.ok(graphCalls(emu.requests).every((r) => bearerOf(r) !== challenged), 'no cached, challenged token was served');

  // After a fresh sign-in (a token issued after the revocation) the user works again.
  await new Promise((r) => setTimeout(r, 2100));
  emu.requests.length = 0;
  const fresh = await profile(await emu.mintUserToken({ user }));
  assert.equal(fresh.isError, undefined, fresh.content[0]?.text);
});
