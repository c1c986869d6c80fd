// GitHub Actions' OIDC tokens against the emulated Entra ID: a user-assigned identity with federated
// credentials signs in as a workload, each token lives 5 minutes (emulated time), and the faults
// Entra and ARM have (subject mismatch, expiry, concurrent credential writes, Conditional Access).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../emulator/index.ts';

const ARM_SCOPE = 'https://management.azure.com/.default';
const GITHUB = 'https://token.actions.githubusercontent.com';
let emu: Emulator;
let msi: ManagedServiceIdentityClient;
let mi: { clientId: string; principalId: string };

before(async () => {
  emu = await startEmulator();
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caPem]);
  const cred = new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });
  await new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.url, credentials: { scopes: [ARM_SCOPE] } }).resourceGroups.createOrUpdate('rg-gh', { location: 'eastus' });
  msi = new ManagedServiceIdentityClient(cred, emu.subscriptionId, { endpoint: emu.url, credentialScopes: [ARM_SCOPE] });
  const created = await msi.userAssignedIdentities.createOrUpdate('rg-gh', 'id-deployer', { location: 'eastus' });
  mi = { clientId: created.clientId!, principalId: created.principalId! };
  await msi.federatedIdentityCredentials.createOrUpdate('rg-gh', 'id-deployer', 'github-branch-main', { issuer: GITHUB, subject: 'repo:contoso/mcp-server:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] });
});
after(() => emu.close());

async function runtimeToken(audience = 'api://AzureADTokenExchange', bearer = emu.github.requestToken): Promise<Response> {
  const env = emu.github.runnerEnv();
  return fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`, { headers: { authorization: `Bearer ${bearer}` } });
}

async function exchange(assertion: string, clientId = mi.clientId): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope: ARM_SCOPE, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

test("the runtime hands a fresh token per request, only with the job's request token, valid 5 minutes", async () => {
  assert.equal((await runtimeToken(undefined, 'wrong')).status, 401);
  const [a, b] = await Promise.all([runtimeToken(), runtimeToken()]);
  const [ta, tb] = [((await a.json()) as { value: string }).value, ((await b.json()) as { value: string }).value];
  assert.notEqual(ta, tb);
  const c = decodeJwt(ta);
  assert.deepEqual([c.iss, c.aud, c.sub], [GITHUB, 'api://AzureADTokenExchange', 'repo:contoso/mcp-server:ref:refs/heads/main']);
  assert.equal(c.exp! - c.iat!, 300);
});

test('the identity signs in with a GitHub token that matches its federated credential: an ARM token for its principal', async () => {
  const value = ((await (await runtimeToken()).json()) as { value: string }).value;
  const r = await exchange(value);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const c = decodeJwt(r.body.access_token);
  assert.deepEqual([c.oid, c.appid, c.idtyp], [mi.principalId, mi.clientId, 'app']);
});

test('another branch, an environment or pull requests present other subjects: AADSTS700213', async () => {
  emu.github.job = { ...emu.github.job, ref: 'refs/heads/feature' };
  try {
    const r = await exchange(((await (await runtimeToken()).json()) as { value: string }).value);
    assert.equal(r.status, 401);
    assert.match(r.body.error_description, /^AADSTS700213: .*subject 'repo:contoso\/mcp-server:ref:refs\/heads\/feature'/);
  } finally {
    emu.github.job = { ...emu.github.job, ref: 'refs/heads/main' };
  }
});

test('a GitHub token used after 5 minutes is refused (AADSTS700024); a fresh one works', async () => {
  const old = ((await (await runtimeToken()).json()) as { value: string }).value;
  emu.clock.advance(20 * 60_000);
  const stale = await exchange(old);
  assert.equal(stale.status, 400);
  assert.match(stale.body.error_description, /^AADSTS700024/);
  assert.equal((await exchange(((await (await runtimeToken()).json()) as { value: string }).value)).status, 200);
});

test('a token signed by anyone but GitHub is refused even with the right claims', async () => {
  const forged = await emu.mintUserToken({ iss: GITHUB, extraClaims: { sub: 'repo:contoso/mcp-server:ref:refs/heads/main', aud: 'api://AzureADTokenExchange' } });
  assert.match((await exchange(forged)).body.error_description, /^AADSTS700027/);
});

test('Conditional Access blocks the identity after its credential checks out: AADSTS53003', async () => {
  emu.conditionalAccess.block(mi.clientId);
  try {
    const r = await exchange(((await (await runtimeToken()).json()) as { value: string }).value);
    assert.match(r.body.error_description, /^AADSTS53003: Access has been blocked by Conditional Access policies/);
  } finally {
    emu.conditionalAccess.unblock(mi.clientId);
  }
});

test('federated credentials: written one at a time per identity, an issuer+subject pair once, listed and deleted', async () => {
  emu.setLatency({ 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials': 100 });
  try {
    const results = await Promise.allSettled(['a', 'b'].map((n) => msi.federatedIdentityCredentials.createOrUpdate('rg-gh', 'id-deployer', `github-${n}`, { issuer: GITHUB, subject: `repo:contoso/mcp-server:environment:${n}`, audiences: ['api://AzureADTokenExchange'] })));
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(refused.length, 1);
    assert.equal((refused[0]!.reason as { code: string }).code, 'ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity');
  } finally {
    emu.setLatency({ 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials': 0 });
  }
  await assert.rejects(msi.federatedIdentityCredentials.createOrUpdate('rg-gh', 'id-deployer', 'again', { issuer: GITHUB, subject: 'repo:contoso/mcp-server:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }), /Issuer and subject combination already exists/);
  const names = [];
  for await (const f of msi.federatedIdentityCredentials.list('rg-gh', 'id-deployer')) names.push(f.name);
  assert.ok(names.includes('github-branch-main'));
  await msi.federatedIdentityCredentials.delete('rg-gh', 'id-deployer', 'github-branch-main');
  const r = await exchange(((await (await runtimeToken()).json()) as { value: string }).value);
  assert.match(r.body.error_description, /^AADSTS70021[13]/);
});
