/**
 * The authorization facade against a hostile client, a hostile web page and replayed or forged
 * values: each test plays the attack against a real `serve` and checks that it gets nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { createTls } from '../emulator/core/tls.ts';
import { startServe, type ServeProcess } from '../helpers/serve.ts';
import { Browser, consentForm } from '../helpers/browser.ts';
import { facadeEnv, newFacadeKey } from '../helpers/facade.ts';
import { trustCa } from '../helpers/trust.ts';
import { createSealer } from '../../src/server/facade/seal.ts';

let emu: Emulator;
let serve: ServeProcess;
let base: string;
const key = newFacadeKey();

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  serve = await startServe(facadeEnv(emu, key));
  base = `http://localhost:${new URL(serve.url).port}`;
});
after(async () => {
  await serve?.stop();
  await emu?.close();
});

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function register(redirectUris: string[], name = 'test client') {
  const res = await fetch(`${base}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: redirectUris, client_name: name, token_endpoint_auth_method: 'none' }) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

function authorizeUrl(clientId: string, redirectUri: string, p: Record<string, string | undefined>): string {
  const url = new URL(`${base}/oauth/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 'st-123', ...p })) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

/** Through consent and Entra to our code for `clientId` (not redeemed). */
async function codeFor(clientId: string, redirectUri: string, browser = new Browser()) {
  const { verifier, challenge } = pkce();
  const first = await browser.follow(authorizeUrl(clientId, redirectUri, { code_challenge: challenge, code_challenge_method: 'S256' }), redirectUri);
  let callback = first.callback;
  if (!callback) {
    const done = await browser.follow(`${base}/oauth/consent`, redirectUri, { form: { ...consentForm(first.page!.body), decision: 'allow' }, origin: base });
    callback = done.callback;
  }
  assert.ok(callback?.get('code'), 'a code came back');
  return { code: callback!.get('code')!, verifier, browser };
}

async function token(form: Record<string, string>) {
  const res = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

test('registration refuses a redirect URI that is neither loopback nor allowed; authorize refuses an unregistered one', async () => {
  const evil = await register(['https://attacker.example/cb']);
  assert.equal(evil.status, 400);
  assert.equal(evil.body.error, 'invalid_redirect_uri');
  const a = await register(['http://127.0.0.1:5001/cb']);
  assert.equal(a.status, 201);
  assert.equal(a.body.token_endpoint_auth_method, 'none');
  assert.equal(a.body.client_secret, undefined);
  const { challenge } = pkce();
  const res = await fetch(authorizeUrl(a.body.client_id!, 'https://attacker.example/cb', { code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null, 'never redirected to an unregistered URI');
  assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
});

test('PKCE is required, and a token for another resource is refused', async () => {
  const a = (await register(['http://127.0.0.1:5002/cb'])).body;
  const noPkce = await fetch(authorizeUrl(a.client_id!, 'http://127.0.0.1:5002/cb', {}), { redirect: 'manual' });
  assert.equal(noPkce.status, 302);
  assert.equal(new URL(noPkce.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  const plain = await fetch(authorizeUrl(a.client_id!, 'http://127.0.0.1:5002/cb', { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }), { redirect: 'manual' });
  assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  const foreign = await fetch(authorizeUrl(a.client_id!, 'http://127.0.0.1:5002/cb', { code_challenge: pkce().challenge, code_challenge_method: 'S256', resource: 'https://other.example/mcp' }), { redirect: 'manual' });
  const loc = new URL(foreign.headers.get('location')!);
  assert.equal(loc.searchParams.get('error'), 'invalid_target');
  assert.equal(loc.searchParams.get('state'), 'st-123');

  const { code } = await codeFor(a.client_id!, 'http://127.0.0.1:5002/cb');
  const wrong = await token({ grant_type: 'authorization_code', client_id: a.client_id!, code, code_verifier: pkce().verifier, redirect_uri: 'http://127.0.0.1:5002/cb' });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error, 'invalid_grant');
});

test('confused deputy: without the user’s consent on our page a client gets no code, even with a live Entra session', async () => {
  const victim = new Browser();
  const a = (await register(['http://127.0.0.1:5003/cb'], 'Totally Legit Client')).body;
  emu.requests.length = 0;
  const { challenge } = pkce();
  const first = await victim.follow(authorizeUrl(a.client_id!, 'http://127.0.0.1:5003/cb', { code_challenge: challenge, code_challenge_method: 'S256' }), 'http://127.0.0.1:5003/cb');
  assert.equal(first.callback, undefined, 'no code without consent');
  assert.equal(first.page?.status, 200);
  assert.match(first.page!.body, /a name it chose itself/);
  assert.equal(emu.requests.filter((r) => r.path.endsWith('/authorize')).length, 0, 'Entra is not even asked');
  const form = consentForm(first.page!.body);

  // A page on another site auto-submits the form: the browser does not send the SameSite=Strict CSRF cookie.
  const crossSite = await new Browser().request(`${base}/oauth/consent`, { form: { ...form, decision: 'allow' }, origin: base });
  assert.equal(crossSite.status, 400);
  assert.equal(crossSite.headers.get('location'), null);
  // The attacker's own session cannot vouch for the victim's request either.
  const attacker = new Browser();
  const own = await attacker.follow(authorizeUrl(a.client_id!, 'http://127.0.0.1:5003/cb', { code_challenge: challenge, code_challenge_method: 'S256' }), 'http://127.0.0.1:5003/cb');
  const mixed = await attacker.request(`${base}/oauth/consent`, { form: { request: form.request!, csrf: consentForm(own.page!.body).csrf!, decision: 'allow' }, origin: base });
  assert.equal(mixed.status, 400);
  // A form post from another origin is refused outright.
  const foreignOrigin = await victim.request(`${base}/oauth/consent`, { form: { ...form, decision: 'allow' }, origin: 'https://attacker.example' });
  assert.equal(foreignOrigin.status, 403);
  assert.equal(emu.requests.filter((r) => r.path.endsWith('/authorize')).length, 0);

  // Deny goes back to the client with access_denied; approval of one client never covers another.
  const denied = await victim.follow(`${base}/oauth/consent`, 'http://127.0.0.1:5003/cb', { form: { ...form, decision: 'deny' }, origin: base });
  assert.equal(denied.callback?.get('error'), 'access_denied');
  await codeFor(a.client_id!, 'http://127.0.0.1:5003/cb', victim);
  const b = (await register(['http://127.0.0.1:5004/cb'])).body;
  const second = await victim.follow(authorizeUrl(b.client_id!, 'http://127.0.0.1:5004/cb', { code_challenge: challenge, code_challenge_method: 'S256' }), 'http://127.0.0.1:5004/cb');
  assert.equal(second.callback, undefined, 'client B needs its own consent');
  const again = await victim.follow(authorizeUrl(a.client_id!, 'http://127.0.0.1:5003/cb', { code_challenge: challenge, code_challenge_method: 'S256' }), 'http://127.0.0.1:5003/cb');
  assert.ok(again.callback?.get('code'), 'client A is remembered in this browser');
});

test('the consent page: one POST form with a CSRF field and allow/deny, no script, not frameable, not cached', async () => {
  const a = (await register(['http://127.0.0.1:5005/cb'])).body;
  const page = await new Browser().request(authorizeUrl(a.client_id!, 'http://127.0.0.1:5005/cb', { code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /script-src|unsafe-inline/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.equal(page.headers.get('cache-control'), 'no-store');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  assert.doesNotMatch(page.body, /<script/i);
  assert.match(page.body, /<form method="post"/);
  assert.match(page.body, /name="csrf"/);
  assert.match(page.body, /name="decision" value="allow"/);
  assert.match(page.body, /name="decision" value="deny"/);
});

test('tampered or expired state, code and refresh token are refused; a code for client A is refused for client B', async () => {
  const ru = 'http://127.0.0.1:5006/cb';
  const a = (await register([ru])).body;
  const b = (await register([ru])).body;
  const past = createSealer(Buffer.from(key, 'base64'), undefined, () => Date.now() - 3600_000);

  // state: tampered, expired, or arriving in another browser.
  const bad = await new Browser().request(`${base}/oauth/callback?code=x&state=${encodeURIComponent('eyJ' + 'A'.repeat(60) + '..AAAA.AAAA.AAAA')}`);
  assert.equal(bad.status, 400);
  const expiredState = await past.seal('txn', { c: a.client_id, ru, cc: 'x', v: 'x', b: 'x', i: 'x' }, 600);
  const exp = await new Browser().request(`${base}/oauth/callback?code=x&state=${encodeURIComponent(expiredState)}`);
  assert.equal(exp.status, 400);
  assert.match(exp.body, /expired or is not valid/);
  const { challenge } = pkce();
  const started = new Browser();
  const page = await started.follow(authorizeUrl(a.client_id!, ru, { code_challenge: challenge, code_challenge_method: 'S256' }), ru);
  const toEntra = await started.request(`${base}/oauth/consent`, { form: { ...consentForm(page.page!.body), decision: 'allow' }, origin: base });
  const entra = await fetch(toEntra.headers.get('location')!, { redirect: 'manual' });
  const callbackUrl = entra.headers.get('location')!;
  const elsewhere = await new Browser().request(callbackUrl);
  assert.equal(elsewhere.status, 400, 'the callback is bound to the browser that started the sign-in');
  assert.match(elsewhere.body, /not started in this browser/);

  // code: for client A only, not tampered, not expired; Entra redeems it once.
  const { code, verifier } = await codeFor(a.client_id!, ru);
  const asB = await token({ grant_type: 'authorization_code', client_id: b.client_id!, code, code_verifier: verifier, redirect_uri: ru });
  assert.equal(asB.body.error, 'invalid_grant');
  assert.match(asB.body.error_description!, /another client/);
  const tampered = await token({ grant_type: 'authorization_code', client_id: a.client_id!, code: code.slice(0, -4) + 'AAAA', code_verifier: verifier, redirect_uri: ru });
  assert.equal(tampered.body.error, 'invalid_grant');
  const expiredCode = await past.seal('code', { c: a.client_id, ru, cc: challenge, e: 'entra', v: 'x' }, 300);
  assert.equal((await token({ grant_type: 'authorization_code', client_id: a.client_id!, code: expiredCode, code_verifier: verifier, redirect_uri: ru })).body.error, 'invalid_grant');
  const ok = await token({ grant_type: 'authorization_code', client_id: a.client_id!, code, code_verifier: verifier, redirect_uri: ru });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const replay = await token({ grant_type: 'authorization_code', client_id: a.client_id!, code, code_verifier: verifier, redirect_uri: ru });
  assert.equal(replay.body.error, 'invalid_grant');
  assert.match(replay.body.error_description!, /AADSTS54005/, 'Entra refuses the second redemption');

  // refresh token: for client A only, not tampered, not expired.
  const rt = ok.body.refresh_token!;
  assert.equal((await token({ grant_type: 'refresh_token', client_id: b.client_id!, refresh_token: rt })).body.error, 'invalid_grant');
  assert.equal((await token({ grant_type: 'refresh_token', client_id: a.client_id!, refresh_token: rt.slice(0, -4) + 'AAAA' })).body.error, 'invalid_grant');
  const expiredRt = await past.seal('refresh', { e: 'x', c: a.client_id }, 60);
  assert.equal((await token({ grant_type: 'refresh_token', client_id: a.client_id!, refresh_token: expiredRt })).body.error, 'invalid_grant');
  const refreshed = await token({ grant_type: 'refresh_token', client_id: a.client_id!, refresh_token: rt });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  assert.ok(refreshed.body.access_token && refreshed.body.refresh_token);
});

test('a refresh after the user lost their assignment says AADSTS50105 and how to fix it', async () => {
  const ru = 'http://127.0.0.1:5007/cb';
  const a = (await register([ru])).body;
  const { code, verifier } = await codeFor(a.client_id!, ru);
  const ok = await token({ grant_type: 'authorization_code', client_id: a.client_id!, code, code_verifier: verifier, redirect_uri: ru });
  emu.setUser(emu.defaultUser.oid, { assigned: false });
  try {
    const refused = await token({ grant_type: 'refresh_token', client_id: a.client_id!, refresh_token: ok.body.refresh_token! });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(refused.body.error_description!, /AADSTS50105/);
    assert.match(refused.body.error_description!, /users group/);
  } finally {
    emu.setUser(emu.defaultUser.oid, { assigned: true });
  }
});

test('a client metadata document on a private address is never fetched unless its host is listed', async () => {
  const tls = await createTls('mcp-obo test private-metadata CA');
  let hits = 0;
  const srv = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const port = await new Promise<number>((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port)));
  try {
    for (const clientId of [`https://localhost:${port}/client.json`, `https://127.0.0.1:${port}/client.json`, `https://[::1]:${port}/client.json`]) {
      const res = await fetch(authorizeUrl(clientId, 'http://127.0.0.1:5008/cb', { code_challenge: pkce().challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
      assert.equal(res.status, 400, clientId);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
    }
    assert.equal(hits, 0, 'no request reached the private address');
    assert.match(serve.output(), /oauth\.client_metadata_refused.*non-public address/);
  } finally {
    srv.close();
  }
});

test("today's clients register as they do in the wild: VS Code, Claude, Cursor, ChatGPT", async () => {
  // VS Code's request, as microsoft/vscode src/vs/base/common/oauth.ts (fetchDynamicRegistration) builds it.
  const vscode = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Visual Studio Code', client_uri: 'https://code.visualstudio.com', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
      redirect_uris: ['https://insiders.vscode.dev/redirect', 'https://vscode.dev/redirect', 'http://127.0.0.1/', 'http://127.0.0.1:33418/'],
      scope: `api://${emu.serverApp.clientId}/access_as_user`, token_endpoint_auth_method: 'none', application_type: 'native',
    }),
  });
  assert.equal(vscode.status, 201, await vscode.clone().text());
  const v = (await vscode.json()) as { client_id: string; redirect_uris: string[] };
  // VS Code's loopback flow uses a random port on 127.0.0.1: RFC 8252 allows it against "http://127.0.0.1/".
  const { challenge } = pkce();
  const page = await new Browser().request(authorizeUrl(v.client_id, 'http://127.0.0.1:61234/', { code_challenge: challenge, code_challenge_method: 'S256' }));
  assert.equal(page.status, 200);
  assert.match(page.body, /Visual Studio Code/);
  for (const callback of ['https://claude.ai/api/mcp/auth_callback', 'cursor://anysphere.cursor-mcp/oauth/callback', 'https://chatgpt.com/connector/oauth/Yt3m-Q9', 'http://localhost:6274/oauth/callback']) {
    const r = await register([callback]);
    assert.equal(r.status, 201, `${callback}: ${JSON.stringify(r.body)}`);
  }
});
