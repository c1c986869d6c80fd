/**
 * A tenant in a sovereign cloud (US Government): the federated credential's audience and issuer,
 * and the token the server asks its managed identity for, are that cloud's, not the public
 * cloud's, and not whatever host AZURE_AUTHORITY_HOST points at.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { runCli, serverEnv, startServe } from '../helpers/serve.ts';
import { cliEnv, deploymentFile, init, REPLICATION, scratch } from '../helpers/cli.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ cloud: 'AzureUSGovernment', propagation: REPLICATION });
});
after(() => emu?.close());

test('provision in US Government: the federated credential trusts login.microsoftonline.us with the USGov audience', async () => {
  const cwd = await scratch();
  await init(emu, cwd, { id: 'gov1', cloud: 'AzureUSGovernment' });
  // AZURE_AUTHORITY_HOST (the emulator) routes the requests; it must not become the trusted issuer.
  const r = await runCli(['provision', '--no-secret'], cliEnv(emu, 'deployer'), { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const d = await deploymentFile(cwd);
  assert.equal(d.cloud, 'AzureUSGovernment');
  const app = (emu.state().graph.applications as Array<{ id: string; federatedIdentityCredentials: Array<{ issuer: string; subject: string; audiences: string[] }> }>).find((a) => a.id === d.resources.application.objectId)!;
  assert.deepEqual(
    app.federatedIdentityCredentials.map((f) => ({ issuer: f.issuer, subject: f.subject, audiences: f.audiences })),
    [{ issuer: `https://login.microsoftonline.us/${emu.tenantId}/v2.0`, subject: d.resources.identity.principalId, audiences: ['api://AzureADTokenExchangeUSGov'] }],
  );
});

test('the server in US Government gets its client assertion for api://AzureADTokenExchangeUSGov', async () => {
  emu.requests.length = 0;
  const serve = await startServe(
    serverEnv(emu, {
      MCP_OBO_CLOUD: 'AzureUSGovernment',
      AZURE_CLIENT_SECRET: undefined,
      IDENTITY_ENDPOINT: emu.identityEndpoint,
      IDENTITY_HEADER: emu.identityHeader,
      AZURE_MI_CLIENT_ID: emu.managedIdentity.clientId,
    }),
  );
  try {
    const c = new Client({ name: 'e2e', version: '0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${await emu.mintUserToken()}` } } }));
    const r = await c.callTool({ name: 'graph_get_profile', arguments: {} });
    await c.close();
    assert.equal(r.isError, undefined, JSON.stringify(r.content));
    assert.equal((r.structuredContent as { id: string }).id, emu.defaultUser.oid);
    assert.deepEqual(emu.requests.filter((q) => q.path === '/msi/token').map((q) => q.query.resource), ['api://AzureADTokenExchangeUSGov']);
  } finally {
    await serve.stop();
  }
});
