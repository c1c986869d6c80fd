// Custom domains in the emulator: public DNS, Azure DNS zones, verified domains and identifierUris, Container Apps
// host name analysis, managed certificates and bindings, and RFC 8707 `resource` at the token endpoints.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { ClientSecretCredential } from '@azure/identity';
import { decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../emulator/index.ts';

const ARM_SCOPE = 'https://management.azure.com/.default';
const AZ_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const RG = 'rg-domain';
const fast = { updateIntervalInMs: 10 };
type Json = Record<string, any>;

let emu: Emulator;
let aca: ContainerAppsAPIClient;
let armToken: string;
let envId: string;

async function form(path: string, body: Record<string, string>): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/${path}`, { method: 'POST', body: new URLSearchParams(body) });
  return { status: r.status, body: (await r.json()) as Json };
}

async function arm(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${emu.url}/subscriptions/${emu.subscriptionId}${path}${path.includes('?') ? '&' : '?'}api-version=2025-07-01`, {
    method, headers: { authorization: `Bearer ${armToken}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

async function settled(app: string): Promise<Json> {
  for (;;) {
    const r = await arm('GET', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/${app}`);
    if (r.body.properties.provisioningState !== 'InProgress') return r.body;
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** An app whose image cannot be pulled (no replica runs): enough for ingress configuration. */
const appBody = (customDomains?: unknown[]): Json => ({
  location: 'eastus', properties: {
    managedEnvironmentId: envId, configuration: { ingress: { external: true, targetPort: 8000, ...(customDomains ? { customDomains } : {}) } },
    template: { revisionSuffix: 'r1', containers: [{ name: 'web', image: 'mcr.microsoft.com/k8se/quickstart:latest', resources: { cpu: 0.25, memory: '0.5Gi' } }] },
  },
});

before(async () => {
  emu = await startEmulator();
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caPem]);
  const cred = new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });
  aca = new ContainerAppsAPIClient(cred, emu.subscriptionId, { endpoint: emu.url, credentials: { scopes: [ARM_SCOPE] } });
  armToken = (await cred.getToken(ARM_SCOPE))!.token;
  assert.equal((await arm('PUT', `/resourcegroups/${RG}`, { location: 'eastus' })).status, 201);
  const ws = await arm('PUT', `/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/dom-logs`, { location: 'eastus', properties: {} });
  const keys = await arm('POST', `/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/dom-logs/sharedKeys`);
  const env = await aca.managedEnvironments.createOrUpdate(RG, 'dom-env', {
    location: 'eastus', appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: ws.body.properties.customerId, sharedKey: keys.body.primarySharedKey } },
  }, fast);
  envId = env.id!;
});
after(() => emu.close());

describe('emulator custom domains', () => {
  test('public DNS: set, lookup, delete; names lower-cased without trailing dot', () => {
    emu.dns.set('WWW.Example.com.', 'CNAME', ['Target.Example.net.']);
    assert.deepEqual(emu.dns.lookup('www.example.com', 'CNAME'), ['target.example.net']);
    emu.dns.set('asuid.www.example.com', 'TXT', ['a', 'b']);
    assert.deepEqual(emu.dns.lookup('ASUID.www.example.com.', 'TXT'), ['a', 'b']);
    assert.throws(() => emu.dns.set('x.example.com', 'CNAME', ['a.example', 'b.example']), TypeError);
    emu.dns.delete('www.example.com', 'CNAME');
    assert.deepEqual(emu.dns.lookup('www.example.com', 'CNAME'), []);
  });

  test('Azure DNS zone record sets land in the public DNS; write denial applies', async () => {
    const zone = `/resourceGroups/${RG}/providers/Microsoft.Network/dnsZones/zone.example`;
    assert.equal((await arm('PUT', zone, { location: 'eastus' })).status, 400);
    const z = await arm('PUT', zone, { location: 'global', properties: { zoneType: 'Public' } });
    assert.equal(z.status, 201);
    assert.equal(z.body.properties.nameServers.length, 4);
    assert.equal((await arm('PUT', `${zone}/CNAME/mcp`, { properties: { TTL: 300, CNAMERecord: { cname: 'app.env.eastus.azurecontainerapps.io' } } })).status, 201);
    assert.equal((await arm('PUT', `${zone}/TXT/asuid.mcp`, { properties: { TTL: 300, TXTRecords: [{ value: ['abc', 'def'] }] } })).status, 201);
    assert.equal((await arm('PUT', `${zone}/TXT/@`, { properties: { TTL: 300, TXTRecords: [{ value: ['apex'] }] } })).status, 201);
    assert.deepEqual(emu.dns.lookup('mcp.zone.example', 'CNAME'), ['app.env.eastus.azurecontainerapps.io']);
    assert.deepEqual(emu.dns.lookup('asuid.mcp.zone.example', 'TXT'), ['abcdef']);
    assert.deepEqual(emu.dns.lookup('zone.example', 'TXT'), ['apex']);
    const sets = await arm('GET', `${zone}/recordsets`);
    assert.deepEqual(sets.body.value.map((r: Json) => r.type.split('/').pop()).sort(), ['CNAME', 'NS', 'SOA', 'TXT', 'TXT']);
    const list = await arm('GET', '/providers/Microsoft.Network/dnszones');
    assert.equal(list.body.value[0].properties.numberOfRecordSets, 5);
    assert.equal((await arm('DELETE', `${zone}/CNAME/mcp`)).status, 200);
    assert.deepEqual(emu.dns.lookup('mcp.zone.example', 'CNAME'), []);
    const deployerOid = (decodeJwt(armToken) as { oid: string }).oid;
    emu.arm.denyWrites(deployerOid, ['Microsoft.Network/dnsZones']);
    assert.equal((await arm('PUT', `${zone}/CNAME/x`, { properties: { CNAMERecord: { cname: 'y.example' } } })).body.error.code, 'AuthorizationFailed');
    emu.arm.allowWrites(deployerOid);
    assert.equal((await arm('DELETE', zone)).status, 200);
    assert.deepEqual(emu.dns.lookup('asuid.mcp.zone.example', 'TXT'), []);
  });

  test('verified domains and https identifierUris; RFC 8707 resource at the devicecode endpoint (AADSTS9010010)', async () => {
    emu.graph.addDomain('contoso.example', true);
    emu.graph.addDomain('fabrikam.example', false);
    const graph = await form('token', { grant_type: 'client_credentials', client_id: emu.deployer.clientId, client_secret: emu.deployer.clientSecret, scope: 'https://graph.microsoft.com/.default' });
    const g = (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${emu.url}/v1.0${path}`, { method, headers: { authorization: `Bearer ${graph.body.access_token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const domains = ((await (await g('GET', '/domains')).json()) as Json).value as Json[];
    assert.deepEqual(domains.map((d) => [d.id, d.isVerified]).slice(1), [['contoso.example', true], ['fabrikam.example', false]]);
    assert.equal(domains[0]!.isDefault, true);

    const server = emu.serverApp.clientId;
    const objectId = (emu.state().entra as { applications: Array<{ clientId: string; objectId: string }> }).applications.find((x) => x.clientId === server)!.objectId;
    const patch = (uris: string[]): Promise<Response> => g('PATCH', `/applications/${objectId}`, { identifierUris: uris });
    const bad = await patch([`api://${server}`, 'https://mcp.fabrikam.example/mcp']);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as Json).error.code, 'HostNameNotOnVerifiedDomain');

    const resource = 'https://mcp.contoso.example/mcp';
    const dc = (scope: string, res: string): Promise<{ status: number; body: Json }> => form('devicecode', { client_id: AZ_CLI, scope: `${scope} offline_access`, resource: res });
    const refused = await dc(`api://${server}/access_as_user`, resource);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_target');
    assert.match(refused.body.error_description, /^AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes\./);

    assert.equal((await patch([`api://${server}`, resource])).status, 204);
    assert.equal((await dc(`${resource}/access_as_user`, `${resource}/`)).body.error, 'invalid_target', 'a trailing slash does not match');
    const ok = await dc(`${resource}/access_as_user`, resource);
    assert.equal(ok.status, 200);
    const tok = await form('token', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: AZ_CLI, device_code: ok.body.device_code });
    assert.equal(tok.status, 200, JSON.stringify(tok.body));
    assert.equal(tok.body.scope, `${resource}/access_as_user`);
    const claims = decodeJwt(tok.body.access_token);
    assert.equal(claims.aud, server);
    assert.equal(claims.scp, 'access_as_user');
    const refreshed = await form('token', { grant_type: 'refresh_token', client_id: AZ_CLI, refresh_token: tok.body.refresh_token, scope: `api://${server}/access_as_user`, resource: 'https://other.contoso.example/mcp' });
    assert.equal(refreshed.body.error, 'invalid_target');
    const minted = decodeJwt(await emu.mintUserToken({ scope: `${resource}/access_as_user` }));
    assert.deepEqual([minted.aud, minted.scp], [server, 'access_as_user']);
  });

  test('host name analysis, managed certificate (fails without the CNAME) and SniEnabled binding', async () => {
    const host = 'mcp.contoso.example';
    emu.dns.delete(host, 'CNAME');
    const app = await arm('PUT', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/dom-app`, appBody());
    assert.equal(app.status, 201);
    const vid = app.body.properties.customDomainVerificationId as string;
    assert.match(vid, /^[0-9A-F]{64}$/);
    assert.equal(vid, emu.aca.customDomainVerificationId);
    await settled('dom-app');
    const target = emu.aca.dnsTarget('dom-app')!;
    assert.match(target, /^dom-app\..+\.azurecontainerapps\.io$/);

    const before1 = await aca.containerApps.listCustomHostNameAnalysis(RG, 'dom-app', { customHostname: host });
    assert.equal(before1.customDomainVerificationTest, 'Failed');
    assert.match(before1.customDomainVerificationFailureInfo!.message!, new RegExp(`TXT record pointing from asuid\\.${host.replace(/\./g, '\\.')} to ${vid}`));
    const refused = await arm('PUT', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/dom-app`, appBody([{ name: host, bindingType: 'Disabled' }]));
    assert.equal(refused.body.error.code, 'InvalidCustomHostNameValidation');

    emu.dns.set(`asuid.${host}`, 'TXT', [vid]);
    emu.dns.set(host, 'CNAME', [target]);
    assert.equal((await aca.containerApps.listCustomHostNameAnalysis(RG, 'dom-app', { customHostname: host })).customDomainVerificationTest, 'Passed');
    const cert = { location: 'eastus', properties: { subjectName: host, domainControlValidation: 'CNAME' as const } };
    await assert.rejects(aca.managedCertificates.createOrUpdate(RG, 'dom-env', 'mc-mcp', { managedCertificateEnvelope: cert, ...fast }), (e: { code?: string }) => e.code === 'RequireCustomHostnameInEnvironment');

    assert.equal((await arm('PUT', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/dom-app`, appBody([{ name: host, bindingType: 'Disabled' }]))).status, 200);
    await settled('dom-app');
    emu.dns.delete(host, 'CNAME');
    await assert.rejects(aca.managedCertificates.createOrUpdate(RG, 'dom-env', 'mc-mcp', { managedCertificateEnvelope: cert, ...fast }), /Not found CNAME of hostname/);
    assert.equal((await aca.managedCertificates.get(RG, 'dom-env', 'mc-mcp')).properties!.provisioningState, 'Failed');
    emu.dns.set(host, 'CNAME', [target]);
    const issued = await aca.managedCertificates.createOrUpdate(RG, 'dom-env', 'mc-mcp', { managedCertificateEnvelope: cert, ...fast });
    assert.equal(issued.properties!.provisioningState, 'Succeeded');

    const noCert = await arm('PUT', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/dom-app`, appBody([{ name: host, bindingType: 'SniEnabled' }]));
    assert.equal(noCert.status, 400);
    const bound = await arm('PUT', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/dom-app`, appBody([{ name: host, bindingType: 'SniEnabled', certificateId: issued.id }]));
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
    const final = await settled('dom-app');
    assert.deepEqual(final.properties.configuration.ingress.customDomains, [{ name: host, bindingType: 'SniEnabled', certificateId: issued.id }]);
    assert.match(final.properties.configuration.ingress.fqdn, /^127\.0\.0\.1:\d+$/);
    assert.equal((await arm('DELETE', `/resourceGroups/${RG}/providers/Microsoft.App/managedEnvironments/dom-env/managedCertificates/mc-mcp`)).body.error.code, 'CertificateInUse');
  });

  test('an apex domain: no CNAME at the zone apex; an A record to the environment passes the analysis and HTTP validation, not CNAME validation', async () => {
    const zone = `/resourceGroups/${RG}/providers/Microsoft.Network/dnsZones/fabrikam.example`;
    assert.equal((await arm('PUT', `${zone}?api-version=2018-05-01`, { location: 'global' })).status, 201);
    const cname = await arm('PUT', `${zone}/CNAME/@?api-version=2018-05-01`, { properties: { TTL: 300, CNAMERecord: { cname: 'x.example.net' } } });
    assert.deepEqual([cname.status, cname.body.error.message], [400, 'The CNAME record set cannot be created at the zone apex.']);
    const env = await aca.managedEnvironments.get(RG, 'dom-env');
    assert.match(env.staticIp!, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal((await arm('PUT', `${zone}/A/@?api-version=2018-05-01`, { properties: { TTL: 300, ARecords: [{ ipv4Address: env.staticIp }] } })).status, 201);
    assert.equal((await arm('PUT', `${zone}/TXT/asuid?api-version=2018-05-01`, { properties: { TTL: 300, TXTRecords: [{ value: [emu.aca.customDomainVerificationId] }] } })).status, 201);
    assert.deepEqual(emu.dns.lookup('fabrikam.example', 'A'), [env.staticIp]);
    const analysis = await aca.containerApps.listCustomHostNameAnalysis(RG, 'dom-app', { customHostname: 'fabrikam.example' });
    assert.deepEqual([analysis.customDomainVerificationTest, analysis.aRecords, analysis.cNameRecords], ['Passed', [env.staticIp], []]);
    const app = await arm('GET', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/dom-app`);
    const domains = [...app.body.properties.configuration.ingress.customDomains, { name: 'fabrikam.example', bindingType: 'Disabled' }];
    assert.equal((await arm('PUT', `/resourceGroups/${RG}/providers/Microsoft.App/containerApps/dom-app`, appBody(domains))).status, 200);
    await settled('dom-app');
    const envelope = (v: 'CNAME' | 'HTTP') => ({ managedCertificateEnvelope: { location: 'eastus', properties: { subjectName: 'fabrikam.example', domainControlValidation: v } }, ...fast });
    await assert.rejects(aca.managedCertificates.createOrUpdate(RG, 'dom-env', 'mc-apex', envelope('CNAME')), /Not found CNAME of hostname 'fabrikam\.example'.*Validation method CNAME failed/);
    const issued = await aca.managedCertificates.createOrUpdate(RG, 'dom-env', 'mc-apex', envelope('HTTP'));
    assert.equal(issued.properties!.provisioningState, 'Succeeded');
  });

  test('certificatesPending holds managed certificates Pending until it is turned off', async () => {
    // One certificate per subject name: the apex test's goes first.
    assert.equal((await arm('DELETE', `/resourceGroups/${RG}/providers/Microsoft.App/managedEnvironments/dom-env/managedCertificates/mc-apex`)).status, 200);
    emu.aca.certificatesPending(true);
    let held;
    try {
      const poller = aca.managedCertificates.createOrUpdate(RG, 'dom-env', 'mc-held', { managedCertificateEnvelope: { location: 'eastus', properties: { subjectName: 'fabrikam.example', domainControlValidation: 'HTTP' } }, ...fast });
      await poller.submitted();
      // Without the switch this GET would already see it Succeeded (the type has no latency).
      held = await aca.managedCertificates.get(RG, 'dom-env', 'mc-held');
      assert.equal(held.properties!.provisioningState, 'Pending');
    } finally {
      emu.aca.certificatesPending(false);
    }
    for (;;) {
      const now = await aca.managedCertificates.get(RG, 'dom-env', 'mc-held');
      if (now.properties!.provisioningState !== 'Pending') return assert.equal(now.properties!.provisioningState, 'Succeeded');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
