// The emulator's Microsoft Graph directory, driven by the real Graph client, @azure/identity and msal-node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import { ConfidentialClientApplication, InteractionRequiredAuthError } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import { decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../emulator/index.ts';

const GRAPH_APP = '00000003-0000-0000-c000-000000000000';
const DEVOPS_APP = '499b84ac-1321-427f-aa17-267ca6975798';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const USER_SCP = 'Application.ReadWrite.All Directory.Read.All Group.ReadWrite.All User.Read DelegatedPermissionGrant.ReadWrite.All AppRoleAssignment.ReadWrite.All';

let emu: Emulator;
let app: Client;
let user: Client;

const credential = (): ClientSecretCredential =>
  new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });

function graph(getAccessToken: () => Promise<string>): Client {
  return Client.initWithMiddleware({ baseUrl: `${emu.url}/`, defaultVersion: 'v1.0', customHosts: new Set(['127.0.0.1']), authProvider: { getAccessToken } });
}

before(async () => {
  emu = await startEmulator();
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caPem]);
  const cred = credential();
  app = graph(async () => (await cred.getToken(GRAPH_SCOPE))!.token);
  user = graph(() => emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: USER_SCP }));
});
after(() => emu.close());

/** `status code` of a rejected Graph call. */
async function fails(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const g = e as { statusCode?: number; code?: string };
    return `${g.statusCode} ${g.code}`;
  }
  assert.fail('expected the Graph call to fail');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cca(clientId: string, auth: { clientSecret?: string; clientAssertion?: string }): ConfidentialClientApplication {
  return new ConfidentialClientApplication({ auth: { clientId, authority: `${emu.url}/${emu.tenantId}`, knownAuthorities: [new URL(emu.url).host], ...auth } });
}

async function rawObo(clientId: string, secret: string, assertion: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    client_id: clientId, client_secret: secret, grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', requested_token_use: 'on_behalf_of',
    assertion, scope: 'https://graph.microsoft.com/.default openid profile offline_access',
  });
  const r = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('emulator Graph directory', () => {
  test('bearer required; /me for delegated tokens only', async () => {
    assert.equal((await fetch(`${emu.url}/v1.0/applications`)).status, 401);
    assert.equal(await fails(app.api('/me').get()), '400 BadRequest');
    const me = (await user.api('/me').get()) as { id: string };
    assert.equal(me.id, emu.cliUser.oid);
    const roles = (await app.api(`/servicePrincipals(appId='${emu.deployer.clientId}')/appRoleAssignments`).get()) as { value: Array<{ appRoleId: string }> };
    assert.ok(roles.value.some((r) => r.appRoleId === '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9'));
    assert.equal(((await app.api('/policies/authorizationPolicy').get()) as { defaultUserRolePermissions: { allowedToCreateApps: boolean } }).defaultUserRolePermissions.allowedToCreateApps, true);
    assert.deepEqual(((await app.api('/domains').get()) as { value: Array<{ id: string }> }).value.map((d) => d.id), ['mcpoboemu.onmicrosoft.com']);
  });

  test('app -> identifierUris -> SP -> group -> assignment -> FIC -> secret -> consent -> OBO -> delete -> purge', async () => {
    const tag = randomBytes(4).toString('hex');
    const scopeId = randomUUID();
    emu.setPropagation({ graphMs: 200, secretMs: 200 });
    const created = (await app.api('/applications').post({
      displayName: `mcp-obo-${tag} server`, signInAudience: 'AzureADMyOrg', tags: ['mcp-obo'],
      api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ id: scopeId, value: 'access_as_user', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] },
      requiredResourceAccess: [
        { resourceAppId: GRAPH_APP, resourceAccess: ['e1fe6dd8-ba31-4d61-89e7-88639da4683d', '37f7f235-527c-4136-accd-4a02d197296e'].map((id) => ({ id, type: 'Scope' })) },
        { resourceAppId: DEVOPS_APP, resourceAccess: [{ id: '4ee63f9b-9e65-476c-a487-9fea1e00c7ef', type: 'Scope' }] },
      ],
    })) as { id: string; appId: string };
    assert.equal(await fails(app.api('/servicePrincipals').post({ appId: created.appId })), '400 Request_BadRequest');
    assert.equal(await fails(app.api(`/applications/${created.id}`).get()), '404 Request_ResourceNotFound');
    await sleep(210);
    await app.api(`/applications/${created.id}`).patch({ identifierUris: [`api://${created.appId}`] });
    assert.equal(await fails(app.api(`/applications/${created.id}`).patch({ identifierUris: ['https://evil.example.com/api'] })), '400 HostNameNotOnVerifiedDomain');
    const sp = (await app.api('/servicePrincipals').post({ appId: created.appId, appRoleAssignmentRequired: true })) as { id: string };
    const group = (await user.api('/groups').post({ displayName: `mcp-obo-${tag} users`, mailEnabled: false, mailNickname: `mcpobo${tag}`, securityEnabled: true })) as { id: string };
    const assignment = { principalId: group.id, resourceId: sp.id, appRoleId: '00000000-0000-0000-0000-000000000000' };
    assert.equal(await fails(app.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).post(assignment)), '400 Request_BadRequest');
    await sleep(210);
    await app.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).post(assignment);
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${emu.cliUser.oid}` };
    await user.api(`/groups/${group.id}/members/$ref`).post(ref);
    assert.equal(await fails(user.api(`/groups/${group.id}/members/$ref`).post(ref)), '400 Request_BadRequest');
    assert.equal(((await user.api('/me/memberOf/microsoft.graph.group').get()) as { value: unknown[] }).value.length, 1);

    // Managed-identity tokens carry the cloud's issuer, not the emulator's URL.
    const fic = { name: 'mcp-obo-mi', issuer: `https://login.microsoftonline.com/${emu.tenantId}/v2.0`, subject: emu.managedIdentity.principalId, audiences: ['api://AzureADTokenExchange'] };
    await app.api(`/applications/${created.id}/federatedIdentityCredentials`).post(fic);
    assert.equal(await fails(app.api(`/applications/${created.id}/federatedIdentityCredentials`).post({ ...fic, name: 'other' })), '409 Request_MultipleObjectsWithSameKeyValue');
    const pwd = (await app.api(`/applications/${created.id}/addPassword`).post({ passwordCredential: { displayName: 'mcp-obo', endDateTime: '2099-01-01T00:00:00Z' } })) as { secretText: string; keyId: string };
    assert.equal(pwd.secretText.slice(0, 3), ((await app.api(`/applications/${created.id}`).get()) as { passwordCredentials: Array<{ hint: string }> }).passwordCredentials[0]!.hint);
    const assertion = await emu.mintUserToken({ aud: created.appId });
    assert.equal((await rawObo(created.appId, pwd.secretText, assertion)).body.error_codes?.toString(), '7000215');
    await sleep(210);
    emu.setPropagation({ graphMs: 0, secretMs: 0 });

    await assert.rejects(cca(created.appId, { clientSecret: pwd.secretText }).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: ['https://graph.microsoft.com/User.Read'] }), (e: unknown) => {
      assert.ok(e instanceof InteractionRequiredAuthError);
      assert.equal(String(e.errorNo), '65001');
      return true;
    });
    const graphSp = (await app.api(`/servicePrincipals(appId='${GRAPH_APP}')`).get()) as { id: string };
    const grantBody = { clientId: sp.id, consentType: 'AllPrincipals', resourceId: graphSp.id, scope: 'User.Read openid profile' };
    assert.equal(await fails(app.api('/oauth2PermissionGrants').post({ ...grantBody, scope: 'User.Read Nope.Nothing' })), '400 Request_BadRequest');
    const grant = (await app.api('/oauth2PermissionGrants').post(grantBody)) as { id: string };
    const found = (await app.api('/oauth2PermissionGrants').filter(`clientId eq '${sp.id}' and consentType eq 'AllPrincipals'`).get()) as { value: Array<{ id: string }> };
    assert.deepEqual(found.value.map((g) => g.id), [grant.id]);
    const obo = await cca(created.appId, { clientSecret: pwd.secretText }).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: ['https://graph.microsoft.com/User.Read'] });
    assert.equal(decodeJwt(obo!.accessToken).scp, 'User.Read');
    const mi = (await (await fetch(`${emu.identityEndpoint}?api-version=2019-08-01&resource=api://AzureADTokenExchange&client_id=${emu.managedIdentity.clientId}`, { headers: { 'X-IDENTITY-HEADER': emu.identityHeader } })).json()) as { access_token: string };
    const viaFic = await cca(created.appId, { clientAssertion: mi.access_token }).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [GRAPH_SCOPE] });
    assert.equal(decodeJwt(viaFic!.accessToken).scp, 'User.Read openid profile');
    const outsider = emu.addUser();
    assert.deepEqual((await rawObo(created.appId, pwd.secretText, await emu.mintUserToken({ aud: created.appId, user: outsider }))).body.error_codes, [50105]);

    assert.equal(await fails(app.api(`/servicePrincipals(appId='${DEVOPS_APP}')`).get()), '404 Request_ResourceNotFound');
    const devops = (await app.api('/servicePrincipals').post({ appId: DEVOPS_APP })) as { id: string; oauth2PermissionScopes: Array<{ value: string }> };
    assert.ok(devops.oauth2PermissionScopes.some((s) => s.value === 'vso.profile'));
    await app.api('/oauth2PermissionGrants').post({ clientId: sp.id, consentType: 'AllPrincipals', resourceId: devops.id, scope: 'vso.profile' });

    const state = emu.state().graph;
    const inState = state.applications.find((a) => a.id === created.id)!;
    assert.equal((inState.federatedIdentityCredentials as unknown[]).length, 1);
    assert.equal((inState.passwordCredentials as Array<{ secretText: unknown }>)[0]!.secretText, null);
    assert.deepEqual(state.groups.find((g) => g.id === group.id)!.members, [emu.cliUser.oid]);
    assert.equal((state.servicePrincipals.find((s) => s.id === sp.id)!.appRoleAssignedTo as unknown[]).length, 1);

    await app.api(`/applications/${created.id}`).delete();
    assert.equal(await fails(app.api(`/servicePrincipals/${sp.id}`).get()), '404 Request_ResourceNotFound');
    assert.equal((await rawObo(created.appId, pwd.secretText, assertion)).body.error_codes?.toString(), '700016');
    const deleted = (await app.api('/directory/deletedItems/microsoft.graph.application').get()) as { value: Array<{ id: string }> };
    assert.ok(deleted.value.some((d) => d.id === created.id));
    await app.api(`/directory/deletedItems/${created.id}`).delete();
    assert.equal(await fails(app.api(`/directory/deletedItems/${created.id}`).get()), '404 Request_ResourceNotFound');
  });

  test('queries: $search needs ConsistencyLevel, $filter forms, key syntax, uniqueName upsert', async () => {
    const tag = randomBytes(4).toString('hex');
    const upsert = (body: object) => app.api(`/applications(uniqueName='mcp-obo-${tag}')`).header('Prefer', 'create-if-missing').patch(body);
    const made = (await upsert({ displayName: `mcp-obo-${tag} cli`, tags: ['mcp-obo', tag] })) as { appId: string; uniqueName: string };
    assert.equal(made.uniqueName, `mcp-obo-${tag}`);
    assert.equal(await upsert({ displayName: `mcp-obo-${tag} cli v2` }), undefined);
    assert.equal(((await app.api(`/applications(appId='${made.appId}')`).get()) as { displayName: string }).displayName, `mcp-obo-${tag} cli v2`);
    const byPrefix = (await app.api('/applications').filter(`startswith(displayName,'mcp-obo-${tag}')`).get()) as { value: unknown[] };
    assert.equal(byPrefix.value.length, 1);
    assert.equal(((await app.api('/applications').filter(`tags/any(t:t eq '${tag}')`).get()) as { value: unknown[] }).value.length, 1);
    assert.equal(await fails(app.api('/applications').search(`"displayName:${tag}"`).get()), '400 Request_UnsupportedQuery');
    const searched = (await app.api('/applications').header('ConsistencyLevel', 'eventual').search(`"displayName:${tag}"`).select('appId').get()) as { value: Array<{ appId: string }> };
    assert.deepEqual(searched.value, [{ appId: made.appId }]);
    assert.equal(await fails(app.api('/applications').filter('bogus eq 1').get()), '400 Request_UnsupportedQuery');
  });

  test('write switches: denyWrites, deployer roles', async () => {
    const cred = credential();
    const oid = String(decodeJwt((await cred.getToken(GRAPH_SCOPE))!.token).oid);
    emu.graph.denyWrites(oid);
    assert.equal(await fails(app.api('/groups').post({ displayName: 'x', mailEnabled: false, mailNickname: 'x', securityEnabled: true })), '403 Authorization_RequestDenied');
    emu.graph.allowWrites(oid);
    const config = (body: object): Promise<Response> => fetch(`${emu.url}/_emulator/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await config({ graph: { allowedToCreateApps: false, bogus: 1 } })).status, 400);
    const snap = (await (await config({ graph: { allowedToCreateApps: false, verifiedDomains: ['mcpoboemu.onmicrosoft.com', 'contoso.com'] }, latency: { graph: 5 } })).json()) as { graph: { allowedToCreateApps: boolean } };
    assert.equal(snap.graph.allowedToCreateApps, false);
    // A user without a directory role (the default user is a Global Administrator, who may).
    const plain = emu.addUser();
    const plainUser = graph(() => emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: USER_SCP, user: plain }));
    assert.equal(await fails(plainUser.api('/applications').post({ displayName: 'user app' })), '403 Authorization_RequestDenied');
    await user.api('/applications').post({ displayName: 'admin app' });
    emu.graph.assignDirectoryRole(plain.oid, 'Application Developer');
    await plainUser.api('/applications').post({ displayName: 'developer app' });
    const ok = (await app.api('/applications').post({ displayName: 'contoso app', identifierUris: ['https://api.contoso.com/mcp'] })) as { identifierUris: string[] };
    assert.deepEqual(ok.identifierUris, ['https://api.contoso.com/mcp']);
    await config({ graph: { allowedToCreateApps: true, verifiedDomains: ['mcpoboemu.onmicrosoft.com'] }, latency: { graph: 0 } });
    emu.graph.setDeployerRoles([]);
    try {
      const fresh = graph(async () => (await credential().getToken(GRAPH_SCOPE))!.token);
      assert.equal(await fails(fresh.api('/applications').post({ displayName: 'no roles' })), '403 Authorization_RequestDenied');
    } finally {
      emu.graph.setDeployerRoles(['Application.ReadWrite.All', 'Group.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']);
    }
  });
});

describe('emulator Entra rights', () => {
  test('directory roles held through a group show in transitiveMemberOf only; creators own what they create', async () => {
    const dev = emu.addUser();
    const devClient = graph(() => emu.mintUserToken({ aud: 'https://graph.microsoft.com', scp: USER_SCP, user: dev }));
    const group = (await user.api('/groups').post({ displayName: 'devs', mailEnabled: false, mailNickname: `devs${randomBytes(3).toString('hex')}`, securityEnabled: true })) as { id: string };
    await user.api(`/groups/${group.id}/members/$ref`).post({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${dev.oid}` });
    emu.graph.assignDirectoryRole(group.id, 'Application Developer');
    const direct = (await devClient.api('/me/memberOf/microsoft.graph.directoryRole').get()) as { value: unknown[] };
    assert.deepEqual(direct.value, []);
    const transitive = (await devClient.api('/me/transitiveMemberOf/microsoft.graph.directoryRole').get()) as { value: Array<{ roleTemplateId: string; displayName: string }> };
    assert.deepEqual(transitive.value.map((r) => [r.roleTemplateId, r.displayName]), [['cf1c38e5-3621-4004-a7cb-879624dced7c', 'Application Developer']]);

    const mine = (await devClient.api('/applications').post({ displayName: 'dev app' })) as { id: string };
    const owners = (await devClient.api(`/applications/${mine.id}/owners`).get()) as { value: Array<{ id: string }> };
    assert.deepEqual(owners.value.map((o) => o.id), [dev.oid]);
    await devClient.api(`/applications/${mine.id}`).patch({ notes: 'mine' });
    // An Application Developer manages only what they own.
    const theirs = (await user.api('/applications').post({ displayName: 'admin app 2' })) as { id: string };
    assert.equal(await fails(devClient.api(`/applications/${theirs.id}`).patch({ notes: 'not mine' })), '403 Authorization_RequestDenied');
  });

  test('an app with Application.ReadWrite.OwnedBy manages only apps it owns; Group.Create creates groups but cannot read them', async () => {
    emu.graph.setDeployerRoles(['Application.ReadWrite.OwnedBy', 'Group.Create']);
    try {
      const limited = graph(async () => (await credential().getToken(GRAPH_SCOPE))!.token);
      const own = (await limited.api('/applications').post({ displayName: 'owned by the deployer' })) as { id: string };
      await limited.api(`/applications/${own.id}/addPassword`).post({ passwordCredential: { displayName: 'x' } });
      const other = (await user.api('/applications').post({ displayName: 'not the deployer\'s' })) as { id: string };
      assert.equal(await fails(limited.api(`/applications/${other.id}/addPassword`).post({ passwordCredential: { displayName: 'x' } })), '403 Authorization_RequestDenied');
      await limited.api('/groups').post({ displayName: 'made by an app', mailEnabled: false, mailNickname: `app${randomBytes(3).toString('hex')}`, securityEnabled: true });
      assert.equal(await fails(limited.api('/groups').get()), '403 Authorization_RequestDenied');
    } finally {
      emu.graph.setDeployerRoles(['Application.ReadWrite.All', 'Group.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']);
    }
  });
});
