/** Which of the environment and the env file each server setting comes from, and the warnings when they disagree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identitySources, overrideWarnings } from '../../src/server/env-sources.ts';

const APP = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const DEPLOYER = '99999999-8888-7777-6666-555555555555';
const FILE = '/p/.env.contoso-dev.local';

test('a deployer AZURE_CLIENT_ID over an env file with the server\'s own names: reported as not the server\'s, the file\'s id is used', () => {
  const file = { MCP_OBO_CLIENT_ID: APP, MCP_OBO_CLIENT_SECRET: 'server-secret' };
  const env = { AZURE_CLIENT_ID: DEPLOYER, AZURE_CLIENT_SECRET: 'deployer-secret' };
  const w = overrideWarnings(file, FILE, env);
  assert.equal(w.length, 2, w.join('\n'));
  assert.match(w[0]!, new RegExp(`AZURE_CLIENT_ID in the environment \\(${DEPLOYER}\\) is not the server's: it uses MCP_OBO_CLIENT_ID from ${FILE} \\(${APP}\\)`));
  assert.match(w[1]!, /AZURE_CLIENT_SECRET in the environment is not the server's: it uses MCP_OBO_CLIENT_SECRET from/);
  assert.ok(!w.join('').includes('secret-'), 'no secret value is ever shown');
  assert.deepEqual(identitySources(file, FILE, env), { tenant: undefined, clientId: `MCP_OBO_CLIENT_ID from ${FILE}`, secret: `MCP_OBO_CLIENT_SECRET from ${FILE}` });
});

test('an env file with AZURE_* names (older versions) overridden by the environment: a loud warning naming both, with the fix', () => {
  const w = overrideWarnings({ AZURE_CLIENT_ID: APP, LOG_LEVEL: 'info' }, FILE, { AZURE_CLIENT_ID: DEPLOYER, LOG_LEVEL: 'debug' });
  assert.equal(w.length, 2);
  assert.match(w[0]!, new RegExp(`AZURE_CLIENT_ID from the environment \\(${DEPLOYER}\\) overrides ${FILE} \\(${APP}\\): the server now runs with the environment's value`));
  assert.match(w[0]!, /rerun `mcp-obo provision`, which writes the server's own MCP_OBO_CLIENT_ID/);
  assert.equal(w[1], `LOG_LEVEL from the environment (debug) overrides ${FILE} (info).`);
});

test('no warning when they agree, when there is no file, or when the environment alone configures the server', () => {
  assert.deepEqual(overrideWarnings({ AZURE_CLIENT_ID: APP }, FILE, { AZURE_CLIENT_ID: APP }), []);
  assert.deepEqual(overrideWarnings({}, undefined, { AZURE_CLIENT_ID: DEPLOYER }), []);
  assert.deepEqual(overrideWarnings({ PORT: '8000' }, FILE, { AZURE_CLIENT_ID: DEPLOYER }), []);
});
