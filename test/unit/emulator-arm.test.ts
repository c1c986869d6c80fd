// The emulator's Azure Resource Manager surface, driven by the real ARM SDK clients.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import tls from 'node:tls';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { OperationalInsightsManagementClient } from '@azure/arm-operationalinsights';
import { ResourceManagementClient } from '@azure/arm-resources';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { ClientSecretCredential } from '@azure/identity';
import { decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../emulator/index.ts';

const ARM_SCOPE = 'https://management.azure.com/.default';
const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
const ACR_PUSH = '8311e382-0749-4cb8-b61a-304f252e45ec';
const fast = { updateIntervalInMs: 10 };

let emu: Emulator;
let cred: ClientSecretCredential;
let c: {
  res: ResourceManagementClient; subs: SubscriptionClient; la: OperationalInsightsManagementClient; aca: ContainerAppsAPIClient;
  acr: ContainerRegistryManagementClient; msi: ManagedServiceIdentityClient; auth: AuthorizationManagementClient;
};

before(async () => {
  emu = await startEmulator();
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caPem]);
  cred = new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });
  const modular = { endpoint: emu.url, credentials: { scopes: [ARM_SCOPE] } };
  const classic = { endpoint: emu.url, credentialScopes: [ARM_SCOPE] };
  const sub = emu.subscriptionId;
  c = {
    res: new ResourceManagementClient(cred, sub, modular), subs: new SubscriptionClient(cred, modular), la: new OperationalInsightsManagementClient(cred, sub, modular),
    aca: new ContainerAppsAPIClient(cred, sub, modular), acr: new ContainerRegistryManagementClient(cred, sub, classic), msi: new ManagedServiceIdentityClient(cred, sub, classic),
    auth: new AuthorizationManagementClient(cred, sub, classic),
  };
});
after(() => emu.close());

/** The ARM error code of a rejected SDK call. */
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String((e as { code?: string }).code);
  }
  assert.fail('expected the call to fail');
}

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

async function rgWithWorkspace(rg: string): Promise<{ customerId: string; key: string; id: string }> {
  await c.res.resourceGroups.createOrUpdate(rg, { location: 'eastus', tags: { owner: 'mcp-obo' } });
  const ws = await c.la.workspaces.createOrUpdate(rg, `${rg}-logs`, { location: 'eastus', sku: { name: 'PerGB2018' }, retentionInDays: 30 }, fast);
  const keys = await c.la.sharedKeys.getSharedKeys(rg, `${rg}-logs`);
  return { customerId: ws.customerId!, key: keys.primarySharedKey!, id: ws.id! };
}

describe('emulator ARM', () => {
  test('bearer, api-version and subscription are checked before routing', async () => {
    const token = (await cred.getToken(ARM_SCOPE))!.token;
    const base = `${emu.url}/subscriptions/${emu.subscriptionId}/resourcegroups`;
    const none = await fetch(`${base}?api-version=2025-04-01`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer authorization_uri=/);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'AuthenticationFailed');
    const graphToken = (await cred.getToken('https://graph.microsoft.com/.default'))!.token;
    const wrongAud = await fetch(`${base}?api-version=2025-04-01`, { headers: { authorization: `Bearer ${graphToken}` } });
    assert.equal(wrongAud.status, 401);
    const noVersion = await fetch(base, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await noVersion.json()) as { error: { code: string } }).error.code, 'MissingApiVersionParameter');
    emu.faults.add({ path: '/resourcegroups$', status: 503, times: 1 });
    const faulted = await fetch(`${base}?api-version=2025-04-01`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(faulted.status, 503);
    assert.equal(((await faulted.json()) as { error: { code: string } }).error.code, 'ServiceUnavailable');
    const other = await fetch(`${emu.url}/subscriptions/${randomUUID()}/resourcegroups?api-version=x`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'SubscriptionNotFound');
  });

  test('subscriptions, locations, tenants, providers and registration', async () => {
    const [s] = await collect(c.subs.subscriptions.list());
    assert.equal(s!.subscriptionId, emu.subscriptionId);
    assert.equal(s!.state, 'Enabled');
    const locations = (await collect(c.subs.subscriptions.listLocations(emu.subscriptionId))).map((l) => l.name);
    for (const l of ['eastus', 'westeurope', 'swedencentral', 'australiaeast', 'jioindiacentral']) assert.ok(locations.includes(l), l);
    assert.equal((await collect(c.subs.tenants.list()))[0]!.tenantId, emu.tenantId);
    const app = await c.res.providers.get('microsoft.app');
    const envType = app.resourceTypes!.find((t) => t.resourceType === 'managedEnvironments')!;
    assert.ok(envType.locations!.includes('East US'));
    assert.ok(!envType.locations!.includes('Jio India Central'));

    emu.arm.unregistered('Microsoft.OperationalInsights');
    await c.res.resourceGroups.createOrUpdate('rg-reg', { location: 'westeurope' });
    assert.equal(await code(c.la.workspaces.createOrUpdate('rg-reg', 'ws-reg1', { location: 'westeurope' }, fast)), 'MissingSubscriptionRegistration');
    assert.equal((await c.res.providers.register('Microsoft.OperationalInsights')).registrationState, 'Registering');
    let state = '';
    for (let i = 0; i < 50 && state !== 'Registered'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      state = (await c.res.providers.get('Microsoft.OperationalInsights')).registrationState!;
    }
    assert.equal(state, 'Registered');
    await c.la.workspaces.createOrUpdate('rg-reg', 'ws-reg1', { location: 'westeurope' }, fast);
  });

  test('resource groups: create, get, exists, filter, delete with contents', async () => {
    const created = await c.res.resourceGroups.createOrUpdate('rg-one', { location: 'eastus', tags: { app: 'mcp-obo-1' } });
    assert.equal(created.id, `/subscriptions/${emu.subscriptionId}/resourceGroups/rg-one`);
    assert.equal(created.properties?.provisioningState, 'Succeeded');
    assert.equal((await c.res.resourceGroups.checkExistence('rg-one')).body, true);
    assert.equal((await c.res.resourceGroups.checkExistence('rg-none')).body, false);
    assert.equal(await code(c.res.resourceGroups.createOrUpdate('rg-one', { location: 'westus' })), 'InvalidResourceGroupLocation');
    assert.equal(await code(c.res.resourceGroups.createOrUpdate('bad name!', { location: 'eastus' })), 'InvalidResourceGroup');
    const tagged = await collect(c.res.resourceGroups.list({ filter: "tagName eq 'app' and tagValue eq 'mcp-obo-1'" }));
    assert.deepEqual(tagged.map((g) => g.name), ['rg-one']);
    const ws = await c.la.workspaces.createOrUpdate('rg-one', 'ws-one', { location: 'eastus' }, fast);
    await c.msi.userAssignedIdentities.createOrUpdate('rg-one', 'mi-one', { location: 'eastus' });
    assert.equal((await collect(c.res.resources.listByResourceGroup('rg-one'))).length, 2);
    await c.res.resourceGroups.delete('rg-one', fast);
    assert.equal(await code(c.res.resourceGroups.get('rg-one')), 'ResourceGroupNotFound');
    assert.equal(emu.state().arm.some((r) => String(r.id).toLowerCase().startsWith(created.id!.toLowerCase())), false);
    assert.equal(emu.state().graph.servicePrincipals.some((sp) => sp.displayName === 'mi-one'), false);
    assert.ok(ws.customerId);
  });

  test('workspace and shared keys; inventory shows it exactly as GET returns it', async () => {
    const w = await rgWithWorkspace('rg-ws');
    assert.match(w.customerId, /^[0-9a-f-]{36}$/);
    assert.ok(w.key.length > 40);
    const raw = await c.la.workspaces.get('rg-ws', 'rg-ws-logs');
    assert.equal(raw.provisioningState, 'Succeeded');
    const inState = emu.state().arm.find((r) => r.id === w.id)!;
    assert.equal((inState.properties as { customerId: string }).customerId, w.customerId);
    assert.equal(JSON.stringify(inState).includes(w.key), false);
  });

  test('managed environment LRO with latency, validation, and a failure', async () => {
    const w = await rgWithWorkspace('rg-env');
    const logs = { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: w.customerId, sharedKey: w.key } };
    // Longer than the operation's Retry-After (1 s by default), so the SDK polls at least twice.
    emu.setLatency({ 'Microsoft.App/managedEnvironments': 1200 });
    emu.requests.length = 0;
    const t0 = Date.now();
    const env = await c.aca.managedEnvironments.createOrUpdate('rg-env', 'env-one', { location: 'eastus', appLogsConfiguration: logs }, fast);
    assert.ok(Date.now() - t0 >= 1200);
    assert.equal(env.provisioningState, 'Succeeded');
    assert.match(env.defaultDomain!, /^[a-z]+-[a-z]+-[0-9a-f]{8}\.eastus\.azurecontainerapps\.io$/);
    assert.match(env.staticIp!, /^\d+\.\d+\.\d+\.\d+$/);
    const polls = emu.requests.filter((r) => /managedEnvironmentOperationStatuses/i.test(r.path));
    assert.ok(polls.length >= 2, `polled ${polls.length}x`);
    assert.ok(polls.every((p) => p.query['api-version']));
    emu.setLatency({ 'Microsoft.App/managedEnvironments': 0 });

    const bad = { ...logs, logAnalyticsConfiguration: { customerId: w.customerId, sharedKey: 'nope' } };
    assert.equal(await code(c.aca.managedEnvironments.createOrUpdate('rg-env', 'env-two', { location: 'eastus', appLogsConfiguration: bad }, fast)), 'InvalidRequestParameterWithDetails');
    assert.equal(await code(c.aca.managedEnvironments.createOrUpdate('rg-env', 'env-two', { location: 'jioindiacentral', appLogsConfiguration: logs }, fast)), 'LocationNotAvailableForResourceType');
    assert.equal(await code(c.aca.managedEnvironments.createOrUpdate('rg-env', 'env-two', { appLogsConfiguration: logs } as never, fast)), 'LocationRequired');

    emu.faults.add({ path: 'managedEnvironmentOperationStatuses', status: 200, body: { status: 'Failed', error: { code: 'ManagedEnvironmentProvisioningError', message: 'emulated failure' } }, times: 1 });
    await assert.rejects(c.aca.managedEnvironments.createOrUpdate('rg-env', 'env-three', { location: 'eastus', appLogsConfiguration: logs }, fast), /ManagedEnvironmentProvisioningError/);
    emu.arm.failNextOperation('Microsoft.App/managedEnvironments', { code: 'ManagedEnvironmentProvisioningError', message: 'quota' });
    await assert.rejects(c.aca.managedEnvironments.createOrUpdate('rg-env', 'env-four', { location: 'eastus', appLogsConfiguration: logs }, fast), /quota/);
    assert.equal((await c.aca.managedEnvironments.get('rg-env', 'env-four')).provisioningState, 'Failed');
    await c.aca.managedEnvironments.delete('rg-env', 'env-one', fast);
    assert.equal(await code(c.aca.managedEnvironments.get('rg-env', 'env-one')), 'ResourceNotFound');
  });

  test('container registry: name check, LRO create, taken names', async () => {
    await c.res.resourceGroups.createOrUpdate('rg-acr', { location: 'westeurope' });
    emu.arm.takenRegistryNames.add('takenregistry');
    const check = (name: string) => c.acr.registries.checkNameAvailability({ name, type: 'Microsoft.ContainerRegistry/registries' });
    assert.deepEqual(await check('mcpobofree01'), { nameAvailable: true });
    assert.equal((await check('TakenRegistry')).reason, 'AlreadyExists');
    assert.equal((await check('ab-c')).reason, 'Invalid');
    const reg = await c.acr.registries.beginCreateAndWait('rg-acr', 'McpOboAcr01', { location: 'westeurope', sku: { name: 'Basic' }, adminUserEnabled: false }, fast);
    assert.equal(reg.loginServer, 'mcpoboacr01.azurecr.io');
    assert.equal(reg.provisioningState, 'Succeeded');
    assert.equal((await check('mcpoboacr01')).reason, 'AlreadyExists');
    const dnl = await c.acr.registries.beginCreateAndWait('rg-acr', 'mcpobodnl01', { location: 'westeurope', sku: { name: 'Standard' }, autoGeneratedDomainNameLabelScope: 'TenantReuse' } as never, fast);
    assert.match(dnl.loginServer!, /^mcpobodnl01-[0-9a-z]{7}\.azurecr\.io$/);
    assert.equal(await code(c.acr.registries.beginCreateAndWait('rg-acr', 'takenregistry', { location: 'westeurope', sku: { name: 'Basic' } }, fast)), 'AlreadyInUse');
    assert.equal(await code(c.acr.registries.beginCreateAndWait('rg-acr', 'nosku0001', { location: 'westeurope' } as never, fast)), 'InvalidSku');
  });

  test('identity, role assignments on the registry scope, PrincipalNotFound, RoleAssignmentExists', async () => {
    await c.res.resourceGroups.createOrUpdate('rg-ra', { location: 'eastus' });
    const reg = await c.acr.registries.beginCreateAndWait('rg-ra', 'mcpoboacrra', { location: 'eastus', sku: { name: 'Basic' } }, fast);
    emu.setPropagation({ principalMs: 2000 });
    const mi = await c.msi.userAssignedIdentities.createOrUpdate('rg-ra', 'mi-ra', { location: 'eastus' });
    emu.setPropagation({ principalMs: 0 });
    const again = await c.msi.userAssignedIdentities.createOrUpdate('rg-ra', 'mi-ra', { location: 'eastus', tags: { x: 'y' } });
    assert.equal(again.principalId, mi.principalId);
    assert.equal(again.clientId, mi.clientId);
    const scope = reg.id!.slice(1); // the CLI strips the leading '/'
    const role = (id: string) => `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
    const pull = { roleDefinitionId: role(ACR_PULL), principalId: mi.principalId! };
    assert.equal(await code(c.auth.roleAssignments.create(scope, randomUUID(), pull)), 'PrincipalNotFound');
    const ra = await c.auth.roleAssignments.create(scope, randomUUID(), { ...pull, principalType: 'ServicePrincipal' });
    assert.equal(ra.scope, reg.id);
    assert.equal(await code(c.auth.roleAssignments.create(`/${scope}`, randomUUID(), { ...pull, principalType: 'ServicePrincipal' })), 'RoleAssignmentExists');
    emu.arm.forcePrincipalNotFound(1);
    const push = { roleDefinitionId: role(ACR_PUSH), principalId: mi.principalId!, principalType: 'ServicePrincipal' as const };
    const name = randomUUID();
    assert.equal(await code(c.auth.roleAssignments.create(scope, name, push)), 'PrincipalNotFound');
    await c.auth.roleAssignments.create(scope, name, push);
    const listed = await collect(c.auth.roleAssignments.listForScope(scope, { filter: `principalId eq '${mi.principalId}'` }));
    assert.equal(listed.length, 2);
    assert.equal((await c.auth.roleDefinitions.get(scope, ACR_PULL)).roleName, 'AcrPull');
    assert.ok(emu.state().arm.some((r) => r.type === 'Microsoft.Authorization/roleAssignments' && r.name === name));
    const sp = emu.state().graph.servicePrincipals.find((s) => s.id === mi.principalId)!;
    assert.equal(sp.servicePrincipalType, 'ManagedIdentity');
    assert.equal(sp.appId, mi.clientId);
  });

  test('denyWrites -> 403 AuthorizationFailed; Retry-After only with the switch', async () => {
    const oid = String(decodeJwt((await cred.getToken(ARM_SCOPE))!.token).oid);
    await c.res.resourceGroups.createOrUpdate('rg-deny', { location: 'eastus' });
    emu.arm.denyWrites(oid, ['Microsoft.ContainerRegistry/registries']);
    try {
      await assert.rejects(c.acr.registries.beginCreateAndWait('rg-deny', 'mcpobodenied', { location: 'eastus', sku: { name: 'Basic' } }, fast), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'AuthorizationFailed');
        assert.match(e.message, new RegExp(`with object id '${oid}' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/write' over scope`));
        return true;
      });
      await c.msi.userAssignedIdentities.createOrUpdate('rg-deny', 'mi-allowed', { location: 'eastus' });
    } finally {
      emu.arm.allowWrites(oid);
    }
    const token = (await cred.getToken(ARM_SCOPE))!.token;
    const del = (rg: string): Promise<Response> =>
      fetch(`${emu.url}/subscriptions/${emu.subscriptionId}/resourcegroups/${rg}?api-version=2025-04-01`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    const plain = await del('rg-deny');
    assert.equal(plain.status, 202);
    assert.match(plain.headers.get('location') ?? '', new RegExp(`^${emu.url}/subscriptions/.+/operationresults/.+api-version=`));
    assert.equal(plain.headers.get('retry-after'), '1', 'ARM asks clients to wait before polling');
    await c.res.resourceGroups.createOrUpdate('rg-deny2', { location: 'eastus' });
    emu.arm.retryAfter(undefined);
    try {
      assert.equal((await del('rg-deny2')).headers.get('retry-after'), null);
    } finally {
      emu.arm.retryAfter(1);
    }
    assert.ok(emu.arm.apiVersions()['Microsoft.Resources/resourceGroups']!.includes('2025-04-01'));
  });
});

describe('emulator Azure RBAC', () => {
  test('a principal has exactly the roles it was given: Contributor writes but cannot assign roles; a role on a resource group stops at it', async () => {
    const oid = String(decodeJwt((await cred.getToken(ARM_SCOPE))!.token).oid);
    const def = (id: string) => `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
    const rg = await c.res.resourceGroups.createOrUpdate('rg-rbac', { location: 'eastus' });
    const mi = await c.msi.userAssignedIdentities.createOrUpdate('rg-rbac', 'mi-rbac', { location: 'eastus' });
    try {
      emu.arm.removeRoles(oid);
      assert.equal(await code(c.res.resourceGroups.createOrUpdate('rg-rbac-2', { location: 'eastus' })), 'AuthorizationFailed');
      emu.arm.assignRole(oid, 'Contributor');
      await c.res.resourceGroups.createOrUpdate('rg-rbac-2', { location: 'eastus' });
      const assign = () => c.auth.roleAssignments.create(rg.id!.slice(1), randomUUID(), { roleDefinitionId: def(ACR_PULL), principalId: mi.principalId!, principalType: 'ServicePrincipal' });
      assert.equal(await code(assign()), 'AuthorizationFailed', 'Contributor has NotActions Microsoft.Authorization/*/Write');
      emu.arm.removeRoles(oid);
      emu.arm.assignRole(oid, 'Owner', rg.id!);
      await assign();
      await c.msi.userAssignedIdentities.createOrUpdate('rg-rbac', 'mi-rbac-2', { location: 'eastus' });
      assert.equal(await code(c.msi.userAssignedIdentities.createOrUpdate('rg-rbac-2', 'mi-elsewhere', { location: 'eastus' })), 'AuthorizationFailed', 'the role stops at its resource group');
      const mine = await collect(c.auth.roleAssignments.listForSubscription({ filter: `assignedTo('${oid}')` }));
      assert.deepEqual(mine.map((r) => [r.scope, r.roleDefinitionId!.split('/').pop()]), [[rg.id, '8e3af657-a8ff-443c-a75c-2fe8c4bcb635']]);
      const owner = await c.auth.roleDefinitions.getById(mine[0]!.roleDefinitionId!);
      assert.deepEqual(owner.permissions![0]!.actions, ['*']);
    } finally {
      emu.arm.removeRoles(oid);
      emu.arm.assignRole(oid, 'Owner');
    }
  });
});
