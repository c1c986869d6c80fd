/**
 * A matrix of bad and hostile tokens and headers against the running server: every one is refused
 * with the right status and challenge, and none reaches the On-Behalf-Of exchange.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';

let emu: Emulator;
let serve: ServeProcess;

before(async () => {
  emu = await startEmulator();
  serve = await startServe(serverEnv(emu, { MAX_TOKEN_AGE_HOURS: '2' }));
});
after(async () => {
  await serve?.stop();
  await emu?.close();
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

type Case = [name: string, authorization: () => Promise<string | undefined>, status: 401 | 403];

function bearer(mint: Parameters<Emulator['mintUserToken']>[0]) {
  return async () => `Bearer ${await emu.mintUserToken(mint)}`;
}

const cases: Case[] = [
  ['no Authorization header', async () => undefined, 401],
  ['Basic scheme', async () => 'Basic dXNlcjpwYXNz', 401],
  ['Bearer with nothing', async () => 'Bearer ', 401],
  ['not a JWT', async () => 'Bearer not-a-token', 401],
  ['two segments', async () => `Bearer ${b64({ alg: 'RS256' })}.${b64({ sub: 'x' })}`, 401],
  ['garbage base64 segments', async () => 'Bearer ###.$$$.%%%', 401],
  ['oversized garbage token', async () => `Bearer ${'a'.repeat(14_000)}.b.c`, 401],
  ['alg none (unsigned)', bearer({ alg: 'none' }), 401],
  ['alg HS256 signed with a guessable secret', bearer({ alg: 'HS256' }), 401],
  ['alg RS384', bearer({ alg: 'RS384' }), 401],
  ['header carries its own jwk', bearer({ header: { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } } }), 401],
  ['header points at a jku', bearer({ header: { jku: 'https://evil.example/keys' } }), 401],
  ['header carries x5c', bearer({ header: { x5c: ['MIIB'] } }), 401],
  ['signed by a key not in the JWKS', bearer({ signWith: 'unknown' }), 401],
  ['payload tampered after signing', async () => {
    const [h, p, s] = (await emu.mintUserToken()).split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    return `Bearer ${h}.${b64({ ...claims, oid: '00000000-0000-0000-0000-000000000001' })}.${s}`;
  }, 401],
  ['signature stripped', async () => `Bearer ${(await emu.mintUserToken()).split('.').slice(0, 2).join('.')}.`, 401],
  ['audience is another app', bearer({ aud: '99999999-9999-9999-9999-999999999999' }), 401],
  ['audience is Microsoft Graph', bearer({ aud: 'https://graph.microsoft.com' }), 401],
  ['issuer is another tenant', bearer({ iss: `${'https://127.0.0.1:1'}/99999999-9999-9999-9999-999999999999/v2.0` }), 401],
  ['issuer with a trailing slash variant', async () => `Bearer ${await emu.mintUserToken({ iss: `${emu.url}/${emu.tenantId}/v2.0/` })}`, 401],
  ['v2 issuer but ver 1.0', async () => `Bearer ${await emu.mintUserToken({ ver: '2.0', extraClaims: { ver: '1.0' } })}`, 401],
  ['tid is another tenant', bearer({ tid: '99999999-9999-9999-9999-999999999999' }), 401],
  ['expired long ago', bearer({ exp: now() - 600, iat: now() - 4000, nbf: now() - 4000 }), 401],
  ['expired two minutes ago (no grace on exp)', bearer({ exp: now() - 120 }), 401],
  ['not yet valid beyond the skew', bearer({ nbf: now() + 900 }), 401],
  ['issued in the future beyond the skew', bearer({ iat: now() + 900, nbf: now() - 60 }), 401],
  ['older than MAX_TOKEN_AGE_HOURS', bearer({ iat: now() - 3 * 3600, nbf: now() - 3 * 3600, exp: now() + 600 }), 401],
  ['no exp', bearer({ extraClaims: { exp: undefined } }), 401],
  ['no oid', bearer({ oid: null }), 401],
  ['valid token without access_as_user', bearer({ scp: 'Files.Read' }), 403],
  ['app-only token (roles, no scp)', bearer({ scp: null, roles: ['Tasks.Read'] }), 401],
  ['idtyp=app, even with a scp claim', bearer({ extraClaims: { idtyp: 'app' } }), 401],
  ['empty scp', bearer({ scp: '' }), 401],
  ['aud is a list that holds ours', async () => `Bearer ${await emu.mintUserToken({ extraClaims: { aud: [emu.serverApp.clientId, 'https://graph.microsoft.com'] } })}`, 401],
];

test(`rejection matrix (${cases.length} cases): right status and challenge, nothing reaches OBO`, async () => {
  assert.ok(cases.length >= 25);
  emu.requests.length = 0;
  const scope = `api://${emu.serverApp.clientId}/access_as_user`;
  for (const [name, authorization, status] of cases) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const auth = await authorization();
    if (auth !== undefined) headers.authorization = auth;
    const res = await fetch(`${serve.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'graph_get_profile', arguments: {} } }),
    });
    assert.equal(res.status, status, `${name}: status`);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /, `${name}: challenge`);
    assert.match(challenge, status === 401 ? /error="invalid_token"/ : /error="insufficient_scope"/, `${name}: error code`);
    assert.ok(challenge.includes(`scope="${scope}"`), `${name}: scope in challenge`);
    assert.match(challenge, /resource_metadata="http:\/\/localhost:\d+\/\.well-known\/oauth-protected-resource\/mcp"/, `${name}: metadata`);
    assert.doesNotMatch(challenge, /eyJ/, `${name}: the challenge never echoes the token`);
  }
  const exchanges = emu.requests.filter((r) => /oauth2\/v2.0\/token$/.test(r.path));
  assert.deepEqual(exchanges, [], 'no token exchange for any rejected request');
});

test('within the 5 minute skew, nbf and iat in the near future are accepted', async () => {
  for (const mint of [{ nbf: now() + 120 }, { iat: now() + 120, nbf: now() - 60 }]) {
    const res = await fetch(`${serve.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await emu.mintUserToken(mint)}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(res.status, 200, JSON.stringify(mint));
  }
});

test('MCP_OBO_ALLOWED_CLIENTS: only the listed client apps (and the server itself, for its facade) are accepted', async () => {
  const azureCli = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
  const strict = await startServe(serverEnv(emu, { MCP_OBO_ALLOWED_CLIENTS: azureCli }));
  try {
    const status = async (azp: string) =>
      (await fetch(`${strict.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await emu.mintUserToken({ azp })}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      })).status;
    assert.equal(await status('aebc6443-996d-45c2-90f0-388ff96faa56'), 401, 'VS Code is not listed');
    assert.equal(await status(azureCli), 200);
    assert.equal(await status(emu.serverApp.clientId), 200, 'tokens the facade obtained (azp = the server app)');
  } finally {
    await strict.stop();
  }
});

test('v1 tokens from the tenant (aud api://{clientId}) are accepted', async () => {
  const res = await fetch(`${serve.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await emu.mintUserToken({ ver: '1.0' })}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(res.status, 200);
});
