/**
 * The built `mcp-obo serve` as a subprocess against the emulator, driven by clients we did not
 * write: the official MCP SDK client, MCP Inspector's CLI and curl.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { formOf, serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';

const run = promisify(execFile);
const INSPECTOR = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector-cli/build/index.js', import.meta.url));

let emu: Emulator;
let serve: ServeProcess;
let token: string;

before(async () => {
  emu = await startEmulator();
  serve = await startServe(serverEnv(emu));
  token = await emu.mintUserToken();
});

after(async () => {
  await serve?.stop();
  await emu?.close();
});

function client(url = serve.url, bearer = token) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } });
  return { c: new Client({ name: 'e2e', version: '0.0.0' }), transport };
}

test('GET /health says healthy and nothing else, whatever the Host (probes use the pod IP)', async () => {
  const res = await fetch(`${serve.url}/health`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'healthy' });
  assert.equal(res.headers.get('x-powered-by'), null);
  const { stdout } = await run('curl', ['-s', '-H', 'Host: 10.0.0.7:8000', `${serve.url}/health`]);
  assert.equal(stdout, '{"status":"healthy"}');
});

test('protected-resource metadata at the suffixed and the bare path, found by the SDK client', async () => {
  const expected = {
    resource: `http://localhost:${new URL(serve.url).port}/mcp`,
    authorization_servers: [`${emu.url}/${emu.tenantId}/v2.0`],
    scopes_supported: [`api://${emu.serverApp.clientId}/access_as_user`],
    bearer_methods_supported: ['header'],
  };
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    const body = (await (await fetch(serve.url + path)).json()) as Record<string, unknown>;
    assert.deepEqual({ ...body, resource_name: undefined }, { ...expected, resource_name: undefined }, path);
  }
  const prm = await discoverOAuthProtectedResourceMetadata(new URL(`${serve.url}/mcp`));
  assert.equal(prm.resource, expected.resource);
  assert.deepEqual(prm.authorization_servers, expected.authorization_servers);
});

test('without a token: 401 with a challenge naming the scope and the metadata URL', async () => {
  const res = await fetch(`${serve.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 401);
  const params = extractWWWAuthenticateParams(res);
  assert.equal(params.scope, `api://${emu.serverApp.clientId}/access_as_user`);
  assert.equal(params.resourceMetadataUrl?.href, `http://localhost:${new URL(serve.url).port}/.well-known/oauth-protected-resource/mcp`);
  assert.equal(params.error, 'invalid_token');
});

test('the MCP SDK client: initialize, tools/list with schemas, and every tool as the user', async () => {
  const { c, transport } = client();
  await c.connect(transport);
  assert.equal(transport.sessionId, undefined, 'stateless: no session id');
  const { tools } = await c.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['devops_get_profile', 'get_user_context', 'graph_get_profile']);
  for (const t of tools) {
    assert.ok(t.description && t.description.length > 40, `${t.name} has a usable description`);
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(t.outputSchema?.type, 'object');
    assert.equal(t.annotations?.readOnlyHint, true);
  }

  const u = emu.defaultUser;
  const graph = await c.callTool({ name: 'graph_get_profile', arguments: {} });
  assert.equal(graph.isError, undefined);
  assert.deepEqual(graph.structuredContent, {
    id: u.oid, displayName: u.displayName, givenName: u.givenName, surname: u.surname, mail: u.mail,
    userPrincipalName: u.userPrincipalName, jobTitle: u.jobTitle, department: u.department, officeLocation: u.officeLocation,
  });

  const devops = (await c.callTool({ name: 'devops_get_profile', arguments: {} })).structuredContent as { organizations: { name: string; url: string }[]; displayName: string };
  assert.deepEqual(devops.organizations.map((o) => o.name), u.devopsOrgs);
  assert.equal(devops.organizations[0]?.url, `https://dev.azure.com/${u.devopsOrgs[0]}`);

  const ctx = await c.callTool({ name: 'get_user_context', arguments: {} });
  assert.deepEqual(ctx.structuredContent, {
    name: u.displayName, email: u.mail, jobTitle: u.jobTitle, department: u.department, devopsOrganizations: u.devopsOrgs, errors: [],
  });
  await c.close();
});

test('OBO went to Entra with the client secret and the narrow scopes, once per API (then cached)', async () => {
  emu.requests.length = 0;
  const fresh = await emu.mintUserToken();
  const { c, transport } = client(serve.url, fresh);
  await c.connect(transport);
  for (let i = 0; i < 3; i++) await c.callTool({ name: 'get_user_context', arguments: {} });
  await c.close();
  const tokenCalls = emu.requests.filter((r) => r.method === 'POST' && /\/oauth2\/v2.0\/token$/.test(r.path));
  assert.equal(tokenCalls.length, 2, 'one exchange per API for this user token');
  const scopes = tokenCalls.map((r) => formOf(r).scope!).sort();
  assert.match(scopes[0]!, new RegExp(`^499b84ac-1321-427f-aa17-267ca6975798/vso.profile( |$)`));
  assert.match(scopes[1]!, new RegExp(`^${emu.url.replace(/[.]/g, '\\.')}/User.Read`));
  for (const r of tokenCalls) {
    const form = formOf(r);
    assert.equal(form.grant_type, 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    assert.equal(form.requested_token_use, 'on_behalf_of');
    assert.equal(form.client_id, emu.serverApp.clientId);
  }
  assert.equal(emu.requests.filter((r) => /instance|openid-configuration/.test(r.path) && r.path.includes('common')).length, 0, 'no instance discovery');
});

test('curl, as in the README', async () => {
  const { stdout } = await run('curl', ['-s', `${serve.url}/mcp`, '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json', '-H', 'Accept: application/json, text/event-stream',
    '-d', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_user_context","arguments":{}}}']);
  const body = JSON.parse(stdout) as { result: { structuredContent: { name: string } } };
  assert.equal(body.result.structuredContent.name, emu.defaultUser.displayName);

  const { stdout: challenge } = await run('curl', ['-s', '-i', '-X', 'POST', `${serve.url}/mcp`, '-H', 'Content-Type: application/json', '-d', '{}']);
  assert.match(challenge, /^HTTP\/1.1 401/);
  assert.match(challenge, /www-authenticate: Bearer error="invalid_token".*resource_metadata="/i);
});

test("MCP Inspector's CLI lists and calls the tools", async () => {
  const args = [INSPECTOR, `${serve.url}/mcp`, '--transport', 'http', '--header', `Authorization: Bearer ${token}`];
  // inspector-cli looks for its package.json relative to the working folder, so run it from its build folder.
  const cwd = dirname(INSPECTOR);
  const list = JSON.parse((await run(process.execPath, [...args, '--method', 'tools/list'], { cwd })).stdout) as { tools: { name: string }[] };
  assert.equal(list.tools.length, 3);
  const call = JSON.parse((await run(process.execPath, [...args, '--method', 'tools/call', '--tool-name', 'graph_get_profile'], { cwd })).stdout) as { structuredContent: { id: string } };
  assert.equal(call.structuredContent.id, emu.defaultUser.oid);
});

test('stateless: initialize against one server, call tools against another', async () => {
  const other = await startServe(serverEnv(emu));
  try {
    const { c, transport } = client(serve.url);
    await c.connect(transport);
    // Same client object, now talking to the second process: no session to lose.
    const second = new StreamableHTTPClientTransport(new URL(`${other.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const c2 = new Client({ name: 'e2e', version: '0.0.0' });
    await c2.connect(second);
    const r = await c2.callTool({ name: 'graph_get_profile', arguments: {} });
    assert.equal((r.structuredContent as { id: string }).id, emu.defaultUser.oid);
    // A raw tools/call with no initialize at all also works on the other replica.
    const raw = await fetch(`${other.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'graph_get_profile', arguments: {} } }),
    });
    assert.equal(raw.status, 200);
    await c.close();
    await c2.close();
  } finally {
    await other.stop();
  }
});

test('GET and DELETE on /mcp are 405 for an authenticated caller (no stream, no session)', async () => {
  for (const method of ['GET', 'DELETE']) {
    const res = await fetch(`${serve.url}/mcp`, { method, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'POST');
  }
});

test('Host and Origin checks: foreign hosts and cross-site pages are refused, and so are unlisted loopback pages', async () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${serve.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
  // fetch refuses to set Host, so curl sends the rebinding attempts.
  const status = async (...args: string[]) => (await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args])).stdout;
  assert.equal(await status('-X', 'POST', '-H', 'Host: evil.example', '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json', '-d', '{}', `${serve.url}/mcp`), '403');
  assert.equal(await status('-H', 'Host: rebind.evil.example', `${serve.url}/.well-known/oauth-protected-resource`), '403');
  assert.equal((await post({ origin: 'https://evil.example' })).status, 403);
  assert.equal((await post({ origin: 'http://localhost:6274' })).status, 403, 'a loopback page only when listed in MCP_OBO_ALLOWED_ORIGINS');
  assert.equal((await post({ origin: `http://localhost:${new URL(serve.url).port}` })).status, 200, 'the public origin');
});

test('malformed JSON gets a JSON-RPC parse error, not a stack trace', async () => {
  const res = await fetch(`${serve.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":' });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: number; message: string } };
  assert.equal(body.error.code, -32700);
  assert.doesNotMatch(JSON.stringify(body), /at .*\.js|node_modules/);
});

test('the logs name users by oid and never contain a token or the secret', async () => {
  const out = serve.output();
  assert.match(out, new RegExp(`"oid":"${emu.defaultUser.oid}"`));
  assert.doesNotMatch(out, /eyJ[A-Za-z0-9_-]{10,}/, 'no JWT in logs');
  assert.ok(!out.includes(emu.serverApp.clientSecret), 'no client secret in logs');
  assert.ok(!out.includes(emu.defaultUser.mail), 'no e-mail without opt-in');
  for (const line of serve.logLines()) assert.ok(typeof line.event === 'string' && typeof line.time === 'string');
});
