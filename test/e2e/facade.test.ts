/**
 * The authorization facade with clients we did not write: the stock MCP SDK client's `auth()`
 * (dynamic registration, and a Client ID Metadata Document), against a local `serve`, behind a TLS
 * proxy in the Container Apps shape, across key rotation and across two replicas.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { startIngress } from '../emulator/services/aca/ingress.ts';
import { createTls } from '../emulator/core/tls.ts';
import { formOf, startServe, type ServeProcess } from '../helpers/serve.ts';
import { Browser, MemoryOAuthProvider } from '../helpers/browser.ts';
import { connectThroughFacade, facadeEnv, newFacadeKey } from '../helpers/facade.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
const running: ServeProcess[] = [];
const closers: (() => Promise<void>)[] = [];

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
});
after(async () => {
  for (const s of running) await s.stop();
  for (const c of closers) await c();
  await emu?.close();
});

async function serve(env: Record<string, string>): Promise<ServeProcess> {
  const s = await startServe(env);
  running.push(s);
  return s;
}
const localMcp = (s: ServeProcess) => `http://localhost:${new URL(s.url).port}/mcp`;

async function callWhoAmI(client: Awaited<ReturnType<typeof connectThroughFacade>>['client']) {
  const result = await client.callTool({ name: 'get_user_context', arguments: {} });
  assert.equal(result.isError, undefined, JSON.stringify(result));
  return result.structuredContent as { name: string; devopsOrganizations: string[] };
}

test('the stock MCP SDK client registers, passes our consent page, signs in at Entra and calls a tool (local serve)', async () => {
  const key = newFacadeKey();
  const s = await serve(facadeEnv(emu, key));
  emu.requests.length = 0;
  const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53682/callback' });
  const { client, callback } = await connectThroughFacade(localMcp(s), provider);
  const user = await callWhoAmI(client);
  assert.equal(user.name, emu.defaultUser.displayName);
  assert.deepEqual(user.devopsOrganizations, ['contoso', 'fabrikam']);
  await client.close();

  // The client sent RFC 8707 resource to us; we did not forward it to Entra, so no AADSTS9010010.
  assert.equal(provider.authorizationUrl!.searchParams.get('resource'), localMcp(s));
  assert.equal(callback.get('iss'), `http://localhost:${new URL(s.url).port}`);
  const entraAuthorize = emu.requests.find((r) => r.path.endsWith('/oauth2/v2.0/authorize'))!;
  assert.equal(entraAuthorize.query.resource, undefined);
  assert.equal(entraAuthorize.query.client_id, emu.serverApp.clientId, 'Entra sees the server app, not the dynamic client');
  assert.equal(entraAuthorize.query.code_challenge_method, 'S256');
  assert.equal(entraAuthorize.query.scope, `${emu.serverApp.clientId}/access_as_user openid profile offline_access`);
  const redeem = emu.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).map(formOf).find((f) => f.grant_type === 'authorization_code');
  assert.ok(redeem?.client_secret, 'the code is redeemed as the confidential server app');
  assert.ok(provider.saved?.refresh_token, 'the client got a (sealed) refresh token');
  assert.ok(!provider.saved!.refresh_token!.startsWith('1.A'), "Entra's own refresh token is never handed out");

  // The refresh token works through the SDK's refresh path (expired access token -> refresh -> call).
  provider.saved = { ...provider.saved!, access_token: 'expired' };
  const again = await connectThroughFacade(localMcp(s), provider, new Browser());
  assert.equal((await callWhoAmI(again.client)).name, emu.defaultUser.displayName);
  await again.client.close();
});

test('the same client through a Client ID Metadata Document (https client id)', async () => {
  const tls = await createTls('mcp-obo test client-metadata CA');
  const port = await new Promise<number>((resolve) => {
    const srv: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      if (req.url !== '/mcp-client.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify({
        client_id: `https://localhost:${(srv.address() as AddressInfo).port}/mcp-client.json`, client_name: 'Metadata Client', redirect_uris: ['http://127.0.0.1:53683/callback'], token_endpoint_auth_method: 'none',
      }));
    });
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
    closers.push(() => new Promise((done) => srv.close(() => done())));
  });
  trustCa(tls.caPem);
  const clientIdUrl = `https://localhost:${port}/mcp-client.json`;
  // localhost resolves to a loopback address: allowed only because this host is listed.
  const s = await serve(facadeEnv(emu, newFacadeKey(), { MCP_OBO_CLIENT_METADATA_HOSTS: 'localhost', NODE_EXTRA_CA_CERTS: await caBundle(emu, tls.caPem) }));
  const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53683/callback', clientMetadataUrl: clientIdUrl });
  const browser = new Browser();
  const { client } = await connectThroughFacade(localMcp(s), provider, browser).catch((err: Error) => {
    throw new Error(`${err.message}\n${s.output()}`);
  });
  assert.equal(provider.info?.client_id, clientIdUrl, 'no registration: the URL is the client id');
  assert.equal((await callWhoAmI(client)).name, emu.defaultUser.displayName);
  await client.close();
  const consentPage = browser.hops.find((h) => h.body.includes('name="decision"'))!;
  assert.match(consentPage.body, /Metadata Client/);
  assert.match(consentPage.body, new RegExp(`described by <code>${clientIdUrl.replace(/[.]/g, '\\.')}</code>`));
});

async function caBundle(e: Emulator, extraPem: string): Promise<string> {
  const { readFile, writeFile } = await import('node:fs/promises');
  const path = `${e.caCertPath}.bundle.pem`;
  await writeFile(path, `${await readFile(e.caCertPath, 'utf8')}\n${extraPem}`);
  return path;
}

test('deployed shape: behind a TLS proxy with the Container Apps variables, with __Host- cookies', async () => {
  const key = newFacadeKey();
  let replicaPort = 0;
  // The ingress has its own throw-away CA, trusted by this process (the browser and the client).
  const tls = await createTls('mcp-obo test ingress CA');
  trustCa(tls.caPem);
  const ingress = await startIngress(tls, () => replicaPort || undefined);
  closers.push(() => ingress.close());
  const publicUrl = `https://127.0.0.1:${ingress.port}`;
  emu.setWebRedirectUris(emu.serverApp.clientId, ['http://localhost:8000/oauth/callback', `${publicUrl}/oauth/callback`]);
  const s = await serve(facadeEnv(emu, key, { CONTAINER_APP_NAME: 'ca-e2e-dev-ab12', CONTAINER_APP_ENV_DNS_SUFFIX: 'kindsea-1234.eastus.azurecontainerapps.io', APP_URL: publicUrl }));
  replicaPort = Number(new URL(s.url).port);
  const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53684/callback' });
  const browser = new Browser();
  const { client } = await connectThroughFacade(`${publicUrl}/mcp`, provider, browser);
  assert.equal((await callWhoAmI(client)).name, emu.defaultUser.displayName);
  await client.close();
  const names = browser.hops.flatMap((h) => h.headers.getSetCookie()).map((c) => c.split('=')[0]);
  assert.ok(names.includes('__Host-mcp-obo-csrf') && names.includes('__Host-mcp-obo-consent'), names.join(', '));
  assert.ok(browser.hops.flatMap((h) => h.headers.getSetCookie()).every((c) => /;\s*Secure/i.test(c) && /;\s*HttpOnly/i.test(c)));
});

test('key rotation: sessions and registrations made with the previous key keep working; two rotations later they end', async () => {
  const [k1, k2, k3] = [newFacadeKey(), newFacadeKey(), newFacadeKey()];
  const first = await serve(facadeEnv(emu, k1));
  const port = new URL(first.url).port;
  const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53685/callback' });
  const { client } = await connectThroughFacade(localMcp(first), provider);
  await client.close();
  await first.stop();

  // Same public URL (APP_URL), new key, the old one as MCP_OBO_FACADE_KEY_PREVIOUS: the stored client id and refresh token still work.
  const appUrl = { APP_URL: `http://localhost:${port}` };
  const rotated = await serve(facadeEnv(emu, k2, { ...appUrl, MCP_OBO_FACADE_KEY_PREVIOUS: k1 }));
  const refresh = (clientId: string, rt: string) =>
    fetch(`${rotated.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: rt }) });
  const res = await refresh(String(provider.info!.client_id), provider.saved!.refresh_token!);
  assert.equal(res.status, 200, await res.clone().text());
  await rotated.stop();

  const twice = await serve(facadeEnv(emu, k3, { ...appUrl, MCP_OBO_FACADE_KEY_PREVIOUS: k2 }));
  const gone = await fetch(`${twice.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', client_id: String(provider.info!.client_id), refresh_token: provider.saved!.refresh_token! }) });
  assert.equal(gone.status, 400, 'a client registered under the key rotated out twice must register again');
  await twice.stop();
});

test('two replicas share nothing but the key: every step of the sign-in may land on either one', async () => {
  const key = newFacadeKey();
  const a = await serve(facadeEnv(emu, key));
  const publicPort = new URL(a.url).port;
  const b = await serve(facadeEnv(emu, key, { APP_URL: `http://localhost:${publicPort}` }));
  const bPort = new URL(b.url).port;
  // A load balancer in front: the browser and the client use the public URL; odd requests go to replica B.
  let n = 0;
  const viaB = (url: string) => (n++ % 2 === 1 && url.includes(`localhost:${publicPort}`) ? url.replace(`localhost:${publicPort}`, `localhost:${bPort}`) : url);
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => realFetch(typeof input === 'string' ? viaB(input) : input instanceof URL ? viaB(input.href) : input, init)) as typeof fetch;
  try {
    const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53686/callback' });
    const { client } = await connectThroughFacade(`http://localhost:${publicPort}/mcp`, provider);
    assert.equal((await callWhoAmI(client)).name, emu.defaultUser.displayName);
    await client.close();
  } finally {
    globalThis.fetch = realFetch;
  }
  const served = (s: ServeProcess) => s.logLines().filter((l) => l.event === 'http.request' && String(l.path).startsWith('/oauth/')).length;
  assert.ok(served(a) > 0 && served(b) > 0, `both replicas served OAuth steps (A ${served(a)}, B ${served(b)})`);
});

test('no token, code, refresh token, key or sealed value appears in any log line', async () => {
  const key = newFacadeKey();
  const s = await serve(facadeEnv(emu, key));
  const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53687/callback' });
  const browser = new Browser();
  const { client, callback } = await connectThroughFacade(localMcp(s), provider, browser);
  await callWhoAmI(client);
  await client.close();
  const output = s.output();
  const secrets = [
    key, provider.saved!.access_token, provider.saved!.refresh_token!, String(provider.info!.client_id), callback.get('code')!, provider.verifier,
    ...[...browser.cookies('localhost').values()].map((c) => c.value),
    ...emu.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).map((r) => formOf(r).code ?? '').filter(Boolean),
  ];
  for (const secret of secrets) assert.ok(!output.includes(secret.slice(0, 40)), `a secret (${secret.slice(0, 12)}…) leaked into the log`);
  assert.doesNotMatch(output, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{10,}/, 'nothing JWT- or JWE-shaped');
  assert.ok(s.logLines().some((l) => l.event === 'oauth.consent'), 'the flow was logged (without its values)');
});
