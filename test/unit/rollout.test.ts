// rollOut against the emulated Container Apps, through the product's own Azure clients: the replica that
// answers /health must be the new revision's (the x-mcp-obo-revision header), not an old one still serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ContainerApp } from '@azure/arm-appcontainers';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { trustCa } from '../helpers/trust.ts';
import { createAzureClients, type AzureClients } from '../../src/azure/clients.ts';
import { resolveCloud } from '../../src/cloud.ts';
import { systemClock } from '../../src/clock.ts';
import { rollOut } from '../../src/deploy/rollout.ts';

const NEEDS_DIST = existsSync(new URL('../../dist/cli/main.js', import.meta.url)) ? false : 'dist/ is missing: run `npm run build` first';
const RG = 'rg-rollout';
const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
let emu: Emulator;
let azure: AzureClients;
let body: (suffix: string) => ContainerApp;

before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
  const cred = new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });
  azure = createAzureClients(cred, resolveCloud('AzureCloud', { MCP_OBO_ARM_ENDPOINT: emu.url }), emu.subscriptionId, 20, 30_000);
  const [res, la, aca, acr, msi, auth] = await Promise.all([azure.resources(), azure.logAnalytics(), azure.containerApps(), azure.registry(), azure.identities(), azure.authorization()]);
  const fast = { updateIntervalInMs: 10 };
  await res.resourceGroups.createOrUpdate(RG, { location: 'eastus' });
  const ws = await la.workspaces.createOrUpdate(RG, 'logs', { location: 'eastus', sku: { name: 'PerGB2018' } }, fast);
  const key = (await la.sharedKeys.getSharedKeys(RG, 'logs')).primarySharedKey!;
  const env = await aca.managedEnvironments.createOrUpdate(RG, 'env', { location: 'eastus', appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: ws.customerId!, sharedKey: key } } }, fast);
  const reg = await acr.registries.beginCreateAndWait(RG, 'mcpoborollout1', { location: 'eastus', sku: { name: 'Basic' }, adminUserEnabled: false }, fast);
  const mi = await msi.userAssignedIdentities.createOrUpdate(RG, 'mi-app', { location: 'eastus' });
  await auth.roleAssignments.create(reg.id!.slice(1), randomUUID(), { roleDefinitionId: `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`, principalId: mi.principalId!, principalType: 'ServicePrincipal' });
  emu.acr.pushImage('mcpoborollout1', 'mcp-obo:v1');
  body = (suffix) => ({
    location: 'eastus', identity: { type: 'UserAssigned', userAssignedIdentities: { [mi.id!]: {} } }, managedEnvironmentId: env.id!,
    configuration: { activeRevisionsMode: 'Single', ingress: { external: true, targetPort: 8000, transport: 'auto' }, registries: [{ server: reg.loginServer!, identity: mi.id! }] },
    template: {
      revisionSuffix: suffix,
      containers: [{ name: 'mcp', image: `${reg.loginServer}/mcp-obo:v1`, resources: { cpu: 0.25, memory: '0.5Gi' }, probes: [{ type: 'Readiness', httpGet: { path: '/health', port: 8000 } }],
        env: [{ name: 'AZURE_TENANT_ID', value: emu.tenantId }, { name: 'AZURE_CLIENT_ID', value: emu.serverApp.clientId }, { name: 'AZURE_MI_CLIENT_ID', value: mi.clientId! }, { name: 'MCP_OBO_AUTH', value: 'entra' }] }],
      scale: { minReplicas: 1, maxReplicas: 1 },
    },
  });
});
after(() => emu?.close());

/** fetch whose /health answers carry another revision's name for the first `times` calls (an old replica still serving). */
function oldRevisionAnswers(times: number): { fetch: typeof fetch; calls: () => number } {
  let n = 0;
  const wrapped: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).endsWith('/health') || n++ >= times) return res;
    const headers = new Headers(res.headers);
    headers.set('x-mcp-obo-revision', 'mcp-app--old');
    return new Response(await res.text(), { status: res.status, headers });
  };
  return { fetch: wrapped, calls: () => n };
}

test('while /health is answered by another revision, rollOut keeps probing until the new one answers', { skip: NEEDS_DIST }, async () => {
  const probe = oldRevisionAnswers(3);
  const r = await rollOut({ azure, clock: systemClock, resourceGroup: RG, name: 'mcp-app', body: body('a1'), onStatus: () => {}, fetch: probe.fetch, timeoutMs: 60_000 });
  assert.equal(r.revision, 'mcp-app--a1');
  assert.ok(probe.calls() > 3, 'it did not stop at the first 200');
});

test('if the new revision never answers /health itself, rollOut fails naming the revision that did', { skip: NEEDS_DIST }, async () => {
  const probe = oldRevisionAnswers(Number.POSITIVE_INFINITY);
  await assert.rejects(
    rollOut({ azure, clock: systemClock, resourceGroup: RG, name: 'mcp-app', body: body('a2'), onStatus: () => {}, fetch: probe.fetch, timeoutMs: 8000 }),
    /revision mcp-app--a2 is not healthy .*did not answer from this revision in time \(last: answered by revision mcp-app--old\)/,
  );
});
