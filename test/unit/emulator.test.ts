// The test emulator itself, checked with the real msal-node and jose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { ConfidentialClientApplication, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { startEmulator, type Emulator } from '../emulator/index.ts';

const DEVOPS = '499b84ac-1321-427f-aa17-267ca6975798';
let emu: Emulator;

before(async () => {
  emu = await startEmulator();
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caPem]);
});
after(() => emu.close());

function cca(auth: { clientSecret?: string; clientAssertion?: string } = {}): ConfidentialClientApplication {
  const secret = auth.clientAssertion ? {} : { clientSecret: auth.clientSecret ?? emu.serverApp.clientSecret };
  return new ConfidentialClientApplication({
    auth: { clientId: emu.serverApp.clientId, authority: `${emu.url}/${emu.tenantId}`, knownAuthorities: [new URL(emu.url).host], ...secret, ...auth },
  });
}

async function miToken(headers: Record<string, string> = { 'X-IDENTITY-HEADER': emu.identityHeader }, clientId = emu.managedIdentity.clientId): Promise<Response> {
  const q = new URLSearchParams({ 'api-version': '2019-08-01', resource: 'api://AzureADTokenExchange', client_id: clientId });
  return fetch(`${emu.identityEndpoint}?${q}`, { headers });
}

async function assertionFromMi(): Promise<string> {
  const r = await miToken();
  assert.equal(r.status, 200);
  return ((await r.json()) as { access_token: string }).access_token;
}

/** A raw OBO request; returns status and parsed body. */
async function obo(assertion: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    client_id: emu.serverApp.clientId, client_secret: emu.serverApp.clientSecret, grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    requested_token_use: 'on_behalf_of', assertion, scope: `${emu.url}/User.Read openid profile offline_access`,
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === '') form.delete(k); // '' removes a parameter
    else form.set(k, v);
  }
  const r = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const codeOf = (b: Record<string, unknown>): number => (b.error_codes as number[])[0]!;

describe('emulator', () => {
  test('JWKS verifies a minted user token (jose remote JWKS)', async () => {
    const jwks = createRemoteJWKSet(new URL(`${emu.url}/${emu.tenantId}/discovery/v2.0/keys`));
    const { payload } = await jwtVerify(await emu.mintUserToken(), jwks, { issuer: `${emu.url}/${emu.tenantId}/v2.0`, audience: emu.serverApp.clientId, algorithms: ['RS256'] });
    assert.equal(payload.oid, emu.defaultUser.oid);
    assert.equal(payload.scp, 'access_as_user');
    const v1 = decodeJwt(await emu.mintUserToken({ ver: '1.0' }));
    assert.equal(v1.iss, `${emu.url}/${emu.tenantId}/`);
    assert.equal(v1.aud, `api://${emu.serverApp.clientId}`);
    const oidc = (await (await fetch(`${emu.url}/${emu.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(oidc.issuer, `${emu.url}/${emu.tenantId}/v2.0`);
    assert.equal('code_challenge_methods_supported' in oidc, false);
  });

  test('msal-node OBO with a client secret, then Graph /v1.0/me', async () => {
    const res = await cca().acquireTokenOnBehalfOf({ oboAssertion: await emu.mintUserToken(), scopes: [`${emu.url}/User.Read`] });
    assert.ok(res?.accessToken);
    const claims = decodeJwt(res.accessToken);
    assert.equal(claims.aud, emu.url);
    assert.equal(claims.scp, 'User.Read');
    assert.equal(claims.azp, emu.serverApp.clientId);
    const me = await fetch(`${emu.url}/v1.0/me`, { headers: { authorization: `Bearer ${res.accessToken}` } });
    assert.equal(me.status, 200);
    const body = (await me.json()) as Record<string, unknown>;
    assert.equal(body.id, emu.defaultUser.oid);
    assert.equal('department' in body, false);
    const sel = (await (await fetch(`${emu.url}/v1.0/me?$select=displayName,department`, { headers: { authorization: `Bearer ${res.accessToken}` } })).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(sel), ['@odata.context', 'displayName', 'department']);
    const noToken = await fetch(`${emu.url}/v1.0/me`);
    assert.equal(noToken.status, 401);
    assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
  });

  test('msal-node OBO with an MI token as client assertion, then DevOps', async () => {
    const res = await cca({ clientAssertion: await assertionFromMi() }).acquireTokenOnBehalfOf({ oboAssertion: await emu.mintUserToken(), scopes: [`${DEVOPS}/.default`] });
    assert.ok(res?.accessToken);
    assert.equal(decodeJwt(res.accessToken).aud, DEVOPS);
    const h = { authorization: `Bearer ${res.accessToken}`, 'X-TFS-FedAuthRedirect': 'Suppress' };
    const plain = await fetch(`${emu.url}/devops/_apis/profile/profiles/me?api-version=7.1`, { headers: h });
    assert.equal(plain.status, 400);
    assert.equal(((await plain.json()) as { typeKey: string }).typeKey, 'VssInvalidPreviewVersionException');
    const prof = await fetch(`${emu.url}/devops/_apis/profile/profiles/me?api-version=7.1-preview.3`, { headers: h });
    assert.equal(prof.status, 200);
    const { id } = (await prof.json()) as { id: string };
    const acc = (await (await fetch(`${emu.url}/devops/_apis/accounts?memberId=${id}&api-version=7.1`, { headers: h })).json()) as { count: number; value: Array<{ accountName: string }> };
    assert.deepEqual(acc.value.map((a) => a.accountName), emu.defaultUser.devopsOrgs);
  });

  test('DevOps answers 203 HTML without X-TFS-FedAuthRedirect, 401 JSON with it', async () => {
    const r = await fetch(`${emu.url}/devops/_apis/profile/profiles/me?api-version=7.1-preview.3`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(r.status, 203);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    const s = await fetch(`${emu.url}/devops/_apis/profile/profiles/me?api-version=7.1-preview.3`, { headers: { 'X-TFS-FedAuthRedirect': 'Suppress' } });
    assert.equal(s.status, 401);
    assert.match(s.headers.get('www-authenticate') ?? '', /^Bearer authorization_uri=/);
    assert.match(((await s.json()) as { message: string }).message, /^TF400813/);
  });

  test('consent off -> InteractionRequiredAuthError 65001', async () => {
    emu.setConsent('graph', false);
    try {
      await assert.rejects(cca().acquireTokenOnBehalfOf({ oboAssertion: await emu.mintUserToken(), scopes: [`${emu.url}/User.Read`] }), (e: unknown) => {
        assert.ok(e instanceof InteractionRequiredAuthError);
        assert.equal(String(e.errorNo), '65001');
        return true;
      });
    } finally {
      emu.setConsent('graph', true);
    }
  });

  test('wrong client secret -> 401 invalid_client 7000215', async () => {
    await assert.rejects(cca({ clientSecret: 'wrong' }).acquireTokenOnBehalfOf({ oboAssertion: await emu.mintUserToken(), scopes: [`${emu.url}/User.Read`] }), (e: unknown) => {
      assert.ok(e instanceof ServerError);
      assert.equal(String(e.errorNo), '7000215');
      return true;
    });
    const r = await obo(await emu.mintUserToken(), { client_secret: 'wrong' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
  });

  test('user assertion validation (AADSTS codes)', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const cases: Array<[string, Promise<string>, number]> = [
      ['expired', emu.mintUserToken({ iat: past, exp: past + 60 }), 500133],
      ['wrong audience', emu.mintUserToken({ aud: 'api://someone-else' }), 50013],
      ['unknown key', emu.mintUserToken({ signWith: 'unknown' }), 50013],
      ['alg none', emu.mintUserToken({ alg: 'none' }), 50013],
      ['app-only', emu.mintUserToken({ scp: null }), 50013],
    ];
    for (const [name, token, code] of cases) {
      const r = await obo(await token);
      assert.equal(r.status, 400, name);
      assert.equal(r.body.error, 'invalid_grant', name);
      assert.equal(codeOf(r.body), code, name);
    }
    assert.equal(codeOf((await obo('not-a-jwt')).body), 50013);
    const v1 = await obo(await emu.mintUserToken({ ver: '1.0' }));
    assert.equal(v1.status, 200);
  });

  test('user scenarios: unassigned -> 50105, MFA -> 50076 with claims', async () => {
    const u = emu.addUser({ assigned: false });
    assert.equal(codeOf((await obo(await emu.mintUserToken({ user: u }))).body), 50105);
    emu.setUser(u.oid, { assigned: true, mfaRequired: true });
    const r = await obo(await emu.mintUserToken({ user: u }));
    assert.equal(r.body.error, 'interaction_required');
    assert.equal(codeOf(r.body), 50076);
    assert.ok(JSON.parse(r.body.claims as string).access_token.capolids);
  });

  test('client assertion must match the federated credential', async () => {
    const now = Math.floor(Date.now() / 1000);
    // The seeded federated credential trusts the cloud's issuer, as managed-identity tokens carry it.
    const fic = { iss: `https://login.microsoftonline.com/${emu.tenantId}/v2.0`, sub: emu.managedIdentity.principalId, aud: 'api://AzureADTokenExchange' };
    const cases: Array<[string, Promise<string>, number, number]> = [
      ['issuer', emu.mintUserToken({ iss: 'https://elsewhere/v2.0', aud: fic.aud, extraClaims: { sub: fic.sub } }), 700211, 401],
      ['issuer is the emulator URL', emu.mintUserToken({ aud: fic.aud, extraClaims: { sub: fic.sub } }), 700211, 401],
      ['subject', emu.mintUserToken({ iss: fic.iss, aud: fic.aud }), 700213, 401],
      ['audience', emu.mintUserToken({ iss: fic.iss, extraClaims: { sub: fic.sub } }), 700212, 401],
      ['signature', emu.mintUserToken({ iss: fic.iss, aud: fic.aud, signWith: 'unknown', extraClaims: { sub: fic.sub } }), 700027, 401],
      ['expired', emu.mintUserToken({ iss: fic.iss, aud: fic.aud, iat: now - 7200, exp: now - 3600, extraClaims: { sub: fic.sub } }), 700024, 400],
    ];
    for (const [name, assertion, code, status] of cases) {
      const r = await obo(await emu.mintUserToken(), {
        client_secret: '', client_assertion: await assertion, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      });
      assert.equal(codeOf(r.body), code, name);
      assert.equal(r.status, status, name);
    }
  });

  test('managed identity endpoint is strict', async () => {
    assert.equal((await miToken({})).status, 401);
    assert.equal((await miToken({ 'X-IDENTITY-HEADER': 'wrong' })).status, 401);
    assert.equal((await miToken(undefined, '00000000-0000-0000-0000-000000000000')).status, 400);
    const bad = await fetch(`${emu.identityEndpoint}?resource=x`, { headers: { 'X-IDENTITY-HEADER': emu.identityHeader } });
    assert.equal(bad.status, 400);
    const ok = (await (await miToken()).json()) as Record<string, string>;
    assert.match(ok.expires_on!, /^\d+$/);
    const c = decodeJwt(ok.access_token!);
    assert.equal(c.sub, emu.managedIdentity.principalId);
    assert.equal(c.aud, 'api://AzureADTokenExchange');
    assert.equal(c.iss, `https://login.microsoftonline.com/${emu.tenantId}/v2.0`, 'the cloud\'s issuer, whatever host the client used');
    // Only resources that exist: another cloud's exchange audience, or a made-up one, is AADSTS500011.
    for (const resource of ['api://AzureADTokenExchangeUSGov', 'https://nothing.example.com']) {
      const r = await fetch(`${emu.identityEndpoint}?${new URLSearchParams({ 'api-version': '2019-08-01', resource, client_id: emu.managedIdentity.clientId })}`, { headers: { 'X-IDENTITY-HEADER': emu.identityHeader } });
      assert.equal(r.status, 400, resource);
      const body = (await r.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_resource');
      assert.match(body.error_description, /^AADSTS500011: The resource principal named /);
    }
  });

  test('fault with status 503 and times:1 applies once; the request log records it', async () => {
    emu.requests.length = 0;
    emu.faults.add({ path: '^/v1\\.0/me$', status: 503, times: 1 });
    const a = await fetch(`${emu.url}/v1.0/me`);
    assert.equal(a.status, 503);
    assert.equal(((await a.json()) as { error: { code: string } }).error.code, 'serviceNotAvailable');
    assert.equal((await fetch(`${emu.url}/v1.0/me`)).status, 401);
    assert.deepEqual(emu.requests.map((r) => r.status), [503, 401]);
    assert.deepEqual(emu.faults.list(), []);
  });

  test('key rotation and retirement', async () => {
    const old = await emu.mintUserToken();
    emu.rotateKeys();
    assert.equal((await obo(old)).status, 200);
    assert.equal((await obo(await emu.mintUserToken())).status, 200);
    emu.retireOldKeys();
    assert.equal(codeOf((await obo(old)).body), 50013);
  });

  test('control API: mint, faults, state; client_credentials for the deployer', async () => {
    const post = (p: string, body: unknown): Promise<Response> =>
      fetch(`${emu.url}/_emulator/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const minted = (await (await post('mint', { user: emu.defaultUser.oid, ver: '1.0' })).json()) as { access_token: string };
    assert.equal(decodeJwt(minted.access_token).ver, '1.0');
    assert.equal((await post('faults', { path: 'x', bogus: 1 })).status, 400);
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { entra: { tenantId: string } };
    assert.equal(state.entra.tenantId, emu.tenantId);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.deployer.clientId, client_secret: emu.deployer.clientSecret, scope: 'https://management.azure.com/.default' });
    const cc = (await (await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string };
    assert.equal(decodeJwt(cc.access_token).idtyp, 'app');
  });
});
