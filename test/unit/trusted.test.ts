/** Hosts that receive a credential come from Azure and are checked; the deployment file only names what to look up. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AzureClients } from '../../src/azure/clients.ts';
import { resolveCloud } from '../../src/cloud.ts';
import { UsageError, McpOboError } from '../../src/errors.ts';
import type { Deployment } from '../../src/state/deployment.ts';
import { isLoginServerOf, trustedLoginServer, trustedServerUrl } from '../../src/deploy/trusted.ts';

const d = {
  version: 1, id: 'ab12', prefix: 'acme', env: 'dev', tenantId: '00000000-0000-0000-0000-000000000001', subscriptionId: '00000000-0000-0000-0000-000000000002',
  location: 'eastus', cloud: 'AzureCloud', createdAt: '2026-01-01T00:00:00Z', resources: {}, mcpUrl: 'https://ca-acme-dev-ab12.nicebay-1234.eastus.azurecontainerapps.io/mcp',
} as unknown as Deployment;

/** ARM as far as these lookups go: one registry and one container app, by resource group and name. */
function arm(o: { loginServer?: string; fqdn?: string; domains?: { name: string; bindingType: string }[]; noApp?: boolean }): AzureClients {
  const notFound = Object.assign(new Error('not found'), { statusCode: 404, code: 'ResourceNotFound' });
  return {
    registry: async () => ({ registries: { get: async (rg: string, name: string) => (rg === 'rg-acme-dev-ab12' && name === 'acracmedevab12' ? { loginServer: o.loginServer } : Promise.reject(notFound)) } }),
    containerApps: async () => ({
      containerApps: {
        get: async (rg: string, name: string) => {
          if (o.noApp || rg !== 'rg-acme-dev-ab12' || name !== 'ca-acme-dev-ab12') throw notFound;
          return { configuration: { ingress: { fqdn: o.fqdn, customDomains: o.domains } } };
        },
      },
    }),
  } as unknown as AzureClients;
}

test('a login server is the registry\'s name under the cloud\'s suffix, or with a domain name label', () => {
  assert.ok(isLoginServerOf('acracmedevab12.azurecr.io', 'acracmedevab12', 'azurecr.io'));
  assert.ok(isLoginServerOf('acracmedevab12-e7g5hsb.azurecr.io', 'acracmedevab12', 'azurecr.io'));
  assert.ok(isLoginServerOf('acracmedevab12.azurecr.us', 'acracmedevab12', 'azurecr.us'));
  for (const bad of ['evil.example', 'acracmedevab12.azurecr.io.evil.example', 'acracmedevab12.azurecr.us', 'other.azurecr.io', '127.0.0.1:443', 'acracmedevab12.azurecr.io:8443', 'x.acracmedevab12.azurecr.io']) {
    assert.ok(!isLoginServerOf(bad, 'acracmedevab12', 'azurecr.io'), bad);
  }
});

test('the login server is Azure\'s, refused when it is not under the cloud\'s registry domain', async () => {
  const cloud = resolveCloud('AzureCloud', {});
  assert.equal(await trustedLoginServer(arm({ loginServer: 'AcrAcmeDevAb12.azurecr.io' }), cloud, d), 'acracmedevab12.azurecr.io');
  await assert.rejects(trustedLoginServer(arm({ loginServer: 'registry.evil.example' }), cloud, d), (e: unknown) => e instanceof McpOboError && /not acracmedevab12\.azurecr\.io: refusing to send a token there/.test(e.message));
  await assert.rejects(trustedLoginServer(arm({ loginServer: 'acracmedevab12.azurecr.io' }), resolveCloud('AzureChinaCloud', {}), d), /azurecr\.cn/);
});

test('the server URL must be https://{the app\'s FQDN or a bound custom domain}/mcp, as ARM reports them', async () => {
  const fqdn = 'ca-acme-dev-ab12.nicebay-1234.eastus.azurecontainerapps.io';
  const withDomain = arm({ fqdn, domains: [{ name: 'mcp.contoso.com', bindingType: 'SniEnabled' }, { name: 'pending.contoso.com', bindingType: 'Disabled' }] });
  assert.equal(await trustedServerUrl(arm({ fqdn }), d, 'f.json'), `https://${fqdn}`);
  assert.equal(await trustedServerUrl(withDomain, { ...d, mcpUrl: 'https://MCP.contoso.com/mcp' }, 'f.json'), 'https://mcp.contoso.com');
  for (const mcpUrl of ['https://pending.contoso.com/mcp', 'http://' + fqdn + '/mcp', `https://${fqdn}.evil.example/mcp`, `https://user@${fqdn}/mcp`, `https://${fqdn}/mcp?x=1`, `https://${fqdn}/other`, `https://${fqdn}:8443/mcp`, 'not a url', `https://${fqdn}/mcp$(touch pwned)`]) {
    await assert.rejects(trustedServerUrl(withDomain, { ...d, mcpUrl }, 'f.json'), (e: unknown) => e instanceof UsageError && /is not this deployment's server/.test(e.message), mcpUrl);
  }
  await assert.rejects(trustedServerUrl(arm({ noApp: true }), d, 'f.json'), /container app ca-acme-dev-ab12 does not exist/);
});
