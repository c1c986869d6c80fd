import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derived, parseServerConfig, type Env } from '../../src/server/config.ts';
import { ConfigError } from '../../src/errors.ts';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const KEY = Buffer.alloc(32, 7).toString('base64');
const base: Env = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: 's3cret', MCP_OBO_FACADE_KEY: KEY };

function rejects(env: Env, variable: string, pattern?: RegExp, flags = {}) {
  assert.throws(
    () => parseServerConfig(env, flags),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.variable, variable);
      assert.equal(err.exitCode, 2);
      if (pattern) assert.match(err.message, pattern);
      return true;
    },
  );
}

test('defaults for a minimal local configuration', () => {
  const c = parseServerConfig(base);
  assert.equal(c.port, 8000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.authorityHost, 'https://login.microsoftonline.com');
  assert.equal(c.graphEndpoint, 'https://graph.microsoft.com');
  assert.equal(c.devopsEndpoint, 'https://app.vssps.visualstudio.com');
  assert.equal(c.publicUrl, 'http://localhost:8000');
  assert.equal(c.maxTokenAgeSeconds, 24 * 3600);
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.credential, { kind: 'secret', clientSecret: 's3cret' });
  const d = derived(c);
  assert.equal(d.resource, 'http://localhost:8000/mcp');
  assert.equal(d.resourceMetadataUrl, 'http://localhost:8000/.well-known/oauth-protected-resource/mcp');
  assert.equal(d.authorizationServer, 'http://localhost:8000', 'the authorization facade, by default');
  assert.equal(d.scope, `api://${CLIENT}/access_as_user`);
  assert.deepEqual(d.allowedHosts.sort(), ['127.0.0.1', '[::1]', 'localhost']);
});

test('GUIDs are required and validated, and normalised to lower case', () => {
  rejects({ ...base, AZURE_TENANT_ID: undefined }, 'MCP_OBO_TENANT_ID', /\(or AZURE_TENANT_ID\) is required/);
  rejects({ ...base, AZURE_TENANT_ID: 'contoso.onmicrosoft.com' }, 'AZURE_TENANT_ID', /GUID/);
  rejects({ ...base, AZURE_CLIENT_ID: '' }, 'MCP_OBO_CLIENT_ID', /\(or AZURE_CLIENT_ID\) is required/);
  rejects({ ...base, AZURE_CLIENT_ID: `${CLIENT}x` }, 'AZURE_CLIENT_ID', /GUID/);
  assert.equal(parseServerConfig({ ...base, AZURE_CLIENT_ID: CLIENT.toUpperCase() }).clientId, CLIENT);
});

test('port from PORT or --port, validated', () => {
  assert.equal(parseServerConfig({ ...base, PORT: '9000' }).port, 9000);
  assert.equal(parseServerConfig({ ...base, PORT: '9000' }, { port: '9100' }).port, 9100);
  rejects({ ...base, PORT: 'eighty' }, 'PORT', /port number/);
  rejects({ ...base, PORT: '70000' }, 'PORT');
  rejects({ ...base, PORT: '80.5' }, 'PORT');
  rejects(base, '--port', /port number/, { port: '-1' });
});

test('public URL: APP_URL, else the Container Apps name and DNS suffix, else localhost', () => {
  assert.equal(parseServerConfig({ ...base, APP_URL: 'https://mcp.contoso.com/' }).publicUrl, 'https://mcp.contoso.com');
  const aca = parseServerConfig({ ...base, CONTAINER_APP_NAME: 'ca-mcp-dev-ab12', CONTAINER_APP_ENV_DNS_SUFFIX: 'kindsea-1234.westeurope.azurecontainerapps.io' });
  assert.equal(aca.publicUrl, 'https://ca-mcp-dev-ab12.kindsea-1234.westeurope.azurecontainerapps.io');
  assert.deepEqual(derived(aca).allowedHosts[0], 'ca-mcp-dev-ab12.kindsea-1234.westeurope.azurecontainerapps.io');
  rejects({ ...base, CONTAINER_APP_NAME: 'x' }, 'CONTAINER_APP_ENV_DNS_SUFFIX');
  rejects({ ...base, APP_URL: 'http://mcp.contoso.com' }, 'APP_URL', /https/);
  rejects({ ...base, APP_URL: 'not a url' }, 'APP_URL');
  rejects({ ...base, APP_URL: 'https://mcp.contoso.com/?x=1' }, 'APP_URL', /query/);
  assert.equal(parseServerConfig({ ...base, APP_URL: 'http://127.0.0.1:8123' }).publicUrl, 'http://127.0.0.1:8123');
});

test('endpoints must be https (tokens are sent there) and hosts without paths where required', () => {
  rejects({ ...base, AZURE_AUTHORITY_HOST: 'http://login.microsoftonline.com' }, 'AZURE_AUTHORITY_HOST', /https/);
  rejects({ ...base, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/tenant' }, 'AZURE_AUTHORITY_HOST', /without a path/);
  rejects({ ...base, MCP_OBO_GRAPH_ENDPOINT: 'graph.microsoft.com' }, 'MCP_OBO_GRAPH_ENDPOINT');
  assert.equal(parseServerConfig({ ...base, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' }).authorityHost, 'https://login.microsoftonline.us');
  assert.equal(parseServerConfig({ ...base, MCP_OBO_DEVOPS_ENDPOINT: 'https://127.0.0.1:4443/devops/' }).devopsEndpoint, 'https://127.0.0.1:4443/devops');
});

test('MAX_TOKEN_AGE_HOURS is 1..168 and LOG_LEVEL one of four', () => {
  assert.equal(parseServerConfig({ ...base, MAX_TOKEN_AGE_HOURS: '168' }).maxTokenAgeSeconds, 168 * 3600);
  rejects({ ...base, MAX_TOKEN_AGE_HOURS: '0' }, 'MAX_TOKEN_AGE_HOURS', /1 to 168/);
  rejects({ ...base, MAX_TOKEN_AGE_HOURS: '169' }, 'MAX_TOKEN_AGE_HOURS');
  rejects({ ...base, MAX_TOKEN_AGE_HOURS: '2.5' }, 'MAX_TOKEN_AGE_HOURS');
  assert.equal(parseServerConfig({ ...base, LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
  rejects({ ...base, LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /debug, info, warn, error/);
});

test('credential: managed identity when the platform provides one, else the secret, else refuse', () => {
  const mi = parseServerConfig({ ...base, AZURE_CLIENT_SECRET: undefined, IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'h', AZURE_MI_CLIENT_ID: CLIENT });
  assert.equal(mi.credential.kind, 'managedIdentity');
  rejects({ ...base, IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'h' }, 'AZURE_MI_CLIENT_ID', /required/);
  rejects({ ...base, IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', AZURE_MI_CLIENT_ID: CLIENT }, 'IDENTITY_HEADER');
  rejects({ ...base, AZURE_CLIENT_SECRET: undefined }, 'MCP_OBO_CLIENT_SECRET', /no managed identity/);
});

test("the server's own names come before the AZURE_* ones (a deployer's exported AZURE_CLIENT_ID is not the server)", () => {
  const OTHER = '99999999-8888-7777-6666-555555555555';
  const own = { MCP_OBO_TENANT_ID: TENANT, MCP_OBO_CLIENT_ID: CLIENT, MCP_OBO_CLIENT_SECRET: 'server-secret', MCP_OBO_FACADE_KEY: KEY };
  const c = parseServerConfig({ ...own, AZURE_TENANT_ID: OTHER, AZURE_CLIENT_ID: OTHER, AZURE_CLIENT_SECRET: 'deployer-secret' });
  assert.equal(c.tenantId, TENANT);
  assert.equal(c.clientId, CLIENT);
  assert.deepEqual(c.credential, { kind: 'secret', clientSecret: 'server-secret' });
  // Alone, the AZURE_* names still configure the server (the image, older env files).
  assert.equal(parseServerConfig(base).clientId, CLIENT);
  rejects({ ...own, MCP_OBO_CLIENT_ID: 'not-a-guid' }, 'MCP_OBO_CLIENT_ID', /GUID/);
});

test('a bad value never echoes the client secret', () => {
  try {
    parseServerConfig({ ...base, PORT: 'x' });
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /s3cret/);
  }
});

test('MCP_OBO_IDENTIFIER_URI: the canonical URL as an identifier URI puts the scope under it', () => {
  const c = parseServerConfig({ ...base, APP_URL: 'https://mcp.contoso.com', MCP_OBO_IDENTIFIER_URI: 'https://mcp.contoso.com/mcp' });
  assert.equal(c.identifierUri, 'https://mcp.contoso.com/mcp');
  assert.equal(derived(c).scope, 'https://mcp.contoso.com/mcp/access_as_user');
  assert.equal(derived(c).resource, 'https://mcp.contoso.com/mcp');
  assert.equal(derived(parseServerConfig(base)).scope, `api://${CLIENT}/access_as_user`);
  rejects({ ...base, APP_URL: 'https://mcp.contoso.com', MCP_OBO_IDENTIFIER_URI: 'https://other.contoso.com/mcp' }, 'MCP_OBO_IDENTIFIER_URI', /canonical MCP URL https:\/\/mcp\.contoso\.com\/mcp/);
  rejects({ ...base, MCP_OBO_IDENTIFIER_URI: 'https://mcp.contoso.com/mcp' }, 'MCP_OBO_IDENTIFIER_URI');
});

test('authorization: the facade by default (its key required and validated), or straight at Entra', () => {
  const facade = parseServerConfig(base);
  assert.equal(facade.auth.mode, 'facade');
  assert.equal(derived(facade).authorizationServer, 'http://localhost:8000', 'the facade is the authorization server, at the public URL');
  assert.ok(facade.auth.mode === 'facade' && facade.auth.redirectUris.includes('https://vscode.dev/redirect'));
  const entra = parseServerConfig({ ...base, MCP_OBO_AUTH: 'entra', MCP_OBO_FACADE_KEY: undefined });
  assert.equal(derived(entra).authorizationServer, `https://login.microsoftonline.com/${TENANT}/v2.0`);
  rejects({ ...base, MCP_OBO_FACADE_KEY: undefined }, 'MCP_OBO_FACADE_KEY', /is required/);
  rejects({ ...base, MCP_OBO_FACADE_KEY: Buffer.alloc(16).toString('base64') }, 'MCP_OBO_FACADE_KEY', /32 random bytes/);
  rejects({ ...base, MCP_OBO_FACADE_KEY: 'not base64 at all!' }, 'MCP_OBO_FACADE_KEY');
  rejects({ ...base, MCP_OBO_FACADE_KEY_PREVIOUS: KEY }, 'MCP_OBO_FACADE_KEY_PREVIOUS', /must differ/);
  rejects({ ...base, MCP_OBO_AUTH: 'oauth' }, 'MCP_OBO_AUTH');
  rejects({ ...base, MCP_OBO_REDIRECT_URIS: 'http://evil.example/cb' }, 'MCP_OBO_REDIRECT_URIS', /https/);
  rejects({ ...base, MCP_OBO_CLIENT_METADATA_HOSTS: 'https://x' }, 'MCP_OBO_CLIENT_METADATA_HOSTS');
  const custom = parseServerConfig({ ...base, MCP_OBO_REDIRECT_URIS: 'default, myapp://oauth/cb', MCP_OBO_CLIENT_METADATA_HOSTS: 'Clients.Contoso.com' });
  assert.ok(custom.auth.mode === 'facade' && custom.auth.redirectUris.includes('myapp://oauth/cb') && custom.auth.redirectUris.includes('https://claude.ai/api/mcp/auth_callback'));
  assert.ok(custom.auth.mode === 'facade' && custom.auth.clientMetadataHosts[0] === 'clients.contoso.com');
  // The key never appears in an error.
  try {
    parseServerConfig({ ...base, MCP_OBO_FACADE_KEY: 'c2VjcmV0LWJ1dC10b28tc2hvcnQ=' });
  } catch (err) {
    assert.doesNotMatch(String((err as Error).message), /c2VjcmV0/);
  }
});

test('tools: profile by default; packs from MCP_OBO_TOOL_PACKS or --packs (which wins); none; unknown packs refused; --watch needs modules', () => {
  assert.deepEqual(parseServerConfig(base).tools, { packs: ['profile'], modules: [], watch: false });
  assert.deepEqual(parseServerConfig({ ...base, MCP_OBO_TOOL_PACKS: 'mail, calendar,mail' }).tools.packs, ['mail', 'calendar']);
  assert.deepEqual(parseServerConfig({ ...base, MCP_OBO_TOOL_PACKS: 'mail' }, { packs: 'devops-work' }).tools.packs, ['devops-work']);
  assert.deepEqual(parseServerConfig({ ...base, MCP_OBO_TOOL_PACKS: 'none' }).tools.packs, []);
  rejects({ ...base, MCP_OBO_TOOL_PACKS: 'mail,weather' }, 'MCP_OBO_TOOL_PACKS', /unknown pack "weather" \(packs: profile, mail/);
  rejects(base, '--packs', /unknown pack "x"/, { packs: 'x' });
  rejects(base, '--watch', /needs tool modules/, { watch: true });
  const c = parseServerConfig({ ...base, MCP_OBO_TOOLS: './tools,./more' }, { cwd: '/project' });
  assert.deepEqual(c.tools.modules, ['/project/tools', '/project/more']);
  assert.deepEqual(parseServerConfig(base, { tools: ['lib/tools'], cwd: '/p' }).tools.modules, ['/p/lib/tools'], '--tools');
  assert.equal(parseServerConfig(base).devopsApiEndpoint, 'https://dev.azure.com');
});

test('MCP_OBO_MAX_ACTIVE and the cache budgets (MCP_OBO_CACHE_MB, MCP_OBO_VERIFIED_CACHE_MB): defaults, values, refusals', () => {
  const d = parseServerConfig(base, {}).limits;
  assert.equal(d.maxActive, 64);
  assert.equal(d.cacheMiB, undefined, 'a share of the heap');
  assert.equal(d.verifiedCacheMiB, undefined, 'a share of the heap');
  const set = parseServerConfig({ ...base, MCP_OBO_MAX_ACTIVE: '8', MCP_OBO_CACHE_MB: '40', MCP_OBO_VERIFIED_CACHE_MB: '12' }, {}).limits;
  assert.deepEqual([set.maxActive, set.cacheMiB, set.verifiedCacheMiB], [8, 40, 12]);
  rejects({ ...base, MCP_OBO_MAX_ACTIVE: '0' }, 'MCP_OBO_MAX_ACTIVE');
  rejects({ ...base, MCP_OBO_VERIFIED_CACHE_MB: 'lots' }, 'MCP_OBO_VERIFIED_CACHE_MB');
});
