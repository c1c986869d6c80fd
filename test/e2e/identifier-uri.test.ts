/**
 * A server whose canonical URL is an identifier URI of its app (custom domain): metadata, challenge
 * and accepted audiences agree on it, and nothing else is accepted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';

const HOST = 'mcp.contoso.test';
let emu: Emulator;
let serve: ServeProcess;

before(async () => {
  emu = await startEmulator();
  serve = await startServe(serverEnv(emu, { APP_URL: `https://${HOST}`, MCP_OBO_IDENTIFIER_URI: `https://${HOST}/mcp` }));
});
after(async () => {
  await serve?.stop();
  await emu?.close();
});

const call = async (token?: string) =>
  fetch(`${serve.url}/mcp`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

test('metadata: resource is the canonical URL and every scope sits under it; the challenge names the same scope', async () => {
  const meta = (await (await fetch(`${serve.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string; scopes_supported: string[] };
  assert.equal(meta.resource, `https://${HOST}/mcp`);
  assert.deepEqual(meta.scopes_supported, [`https://${HOST}/mcp/access_as_user`]);
  const params = extractWWWAuthenticateParams(await call());
  assert.equal(params.scope, `https://${HOST}/mcp/access_as_user`);
  assert.equal(params.resourceMetadataUrl?.href, `https://${HOST}/.well-known/oauth-protected-resource/mcp`);
});

test('accepted audiences: the client id (v2), api://{clientId} and the canonical URL (v1), and nothing else', async () => {
  assert.equal((await call(await emu.mintUserToken())).status, 200, 'v2: client id');
  assert.equal((await call(await emu.mintUserToken({ ver: '1.0' }))).status, 200, 'v1: api://{clientId}');
  assert.equal((await call(await emu.mintUserToken({ ver: '1.0', aud: `https://${HOST}/mcp` }))).status, 200, 'v1: the identifier URI');
  for (const aud of [`https://${HOST}/mcp/`, `https://${HOST}`, 'https://other.contoso.test/mcp', `api://${HOST}/mcp`]) {
    assert.equal((await call(await emu.mintUserToken({ ver: '1.0', aud }))).status, 401, aud);
  }
});
