// The emulated registry data plane's token exchange: which Entra tokens a registry trades for a refresh token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import tls from 'node:tls';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type Emulator } from '../emulator/index.ts';

const ARM_SCOPE = 'https://management.azure.com/.default';
const fast = { updateIntervalInMs: 10 };
let emu: Emulator;
let cred: ClientSecretCredential;
let acr: ContainerRegistryManagementClient;
let loginServer: string;

before(async () => {
  emu = await startEmulator();
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caPem]);
  cred = new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });
  const opts = { endpoint: emu.url, credentialScopes: [ARM_SCOPE], credentials: { scopes: [ARM_SCOPE] } };
  await new ResourceManagementClient(cred, emu.subscriptionId, opts).resourceGroups.createOrUpdate('rg-dp', { location: 'eastus' });
  acr = new ContainerRegistryManagementClient(cred, emu.subscriptionId, opts);
  loginServer = (await acr.registries.beginCreateAndWait('rg-dp', 'mcpobodp01', { location: 'eastus', sku: { name: 'Basic' } }, fast)).loginServer!;
});
after(() => emu?.close());

/** POST /oauth2/exchange at a registry's host name (the emulator's port; SNI and Host as the real host). */
function exchange(host: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
  const { port } = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, servername: host, method: 'POST', path: '/oauth2/exchange', headers: { host, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(new URLSearchParams(form).toString());
  });
}

const tokenFor = async (scope: string) => (await cred.getToken(scope))!.token;
const form = (accessToken: string) => ({ grant_type: 'access_token', service: loginServer, tenant: emu.tenantId, access_token: accessToken });

test('the registry service\'s own audience and, by default, ARM\'s are accepted; any other audience is refused', async () => {
  assert.equal((await exchange(loginServer, form(await tokenFor('https://containerregistry.azure.net/.default')))).status, 200);
  assert.equal((await exchange(loginServer, form(await tokenFor(ARM_SCOPE)))).status, 200);
  const graph = await exchange(loginServer, form(await tokenFor('https://graph.microsoft.com/.default')));
  assert.equal(graph.status, 401);
  assert.match(graph.body, /"code":"UNAUTHORIZED".*audience must be https:\/\/containerregistry\.azure\.net/);
});

test('with azureADAuthenticationAsArmPolicy disabled, an ARM-audience token is refused and the registry audience still works', async () => {
  const reg = await acr.registries.get('rg-dp', 'mcpobodp01');
  assert.equal(reg.policies?.azureADAuthenticationAsArmPolicy?.status, 'enabled');
  await acr.registries.beginCreateAndWait('rg-dp', 'mcpobodp01', { location: 'eastus', sku: { name: 'Basic' }, policies: { azureADAuthenticationAsArmPolicy: { status: 'disabled' } } }, fast);
  const arm = await exchange(loginServer, form(await tokenFor(ARM_SCOPE)));
  assert.equal(arm.status, 401);
  assert.match(arm.body, /azureADAuthenticationAsArmPolicy is disabled/);
  assert.equal((await exchange(loginServer, form(await tokenFor('https://containerregistry.azure.net/.default')))).status, 200);
});

test('each registry answers only at its own host, for its own service name', async () => {
  const token = await tokenFor('https://containerregistry.azure.net/.default');
  assert.equal((await exchange('someoneelse.azurecr.io', form(token))).status, 404);
  assert.equal((await exchange(loginServer, { ...form(token), service: 'someoneelse.azurecr.io' })).status, 400);
});
