import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCloud } from '../../src/cloud.ts';

test('each cloud has its own token-exchange audience and issuer', () => {
  assert.equal(resolveCloud('AzureCloud', {}).tokenExchangeAudience, 'api://AzureADTokenExchange');
  assert.equal(resolveCloud('AzureUSGovernment', {}).tokenExchangeAudience, 'api://AzureADTokenExchangeUSGov');
  assert.equal(resolveCloud('AzureChinaCloud', {}).tokenExchangeAudience, 'api://AzureADTokenExchangeChina');
  assert.equal(resolveCloud(undefined, { MCP_OBO_CLOUD: 'AzureChinaCloud' }).issuerAuthority, 'https://login.chinacloudapi.cn');
});

test('AZURE_AUTHORITY_HOST moves requests, never the issuer the federated credential trusts', () => {
  const c = resolveCloud('AzureUSGovernment', { AZURE_AUTHORITY_HOST: 'https://attacker.example' });
  assert.equal(c.authorityHost, 'https://attacker.example');
  assert.equal(c.issuerAuthority, 'https://login.microsoftonline.us');
});
