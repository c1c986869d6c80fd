/** The AADSTS advice: one table in code and in the README, and explain() reaching it through credential chains. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { AADSTS } from '../../src/azure/aadsts.ts';
import { explain } from '../../src/azure/errors.ts';

test("the README's pipeline table lists every code the CLI explains, and only those", async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### AADSTS errors in pipelines'), readme.indexOf('## JSON output'));
  const documented = new Set([...section.matchAll(/AADSTS(\d+)/g)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), Object.keys(AADSTS).sort());
});

test('the code inside an aggregate error wins over "not signed in"; each issue-listed code has its advice', () => {
  const inner = Object.assign(new Error('invalid_client: Error(s): 7000215 - Description: AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x'), { name: 'AuthenticationRequiredError' });
  const chained = Object.assign(new Error('ChainedTokenCredential authentication failed.'), { name: 'AggregateAuthenticationError', errors: [inner] });
  const e = explain(chained, { action: 'signing in', credential: 'client-secret', clientId: 'abc' });
  assert.equal(e.code, 'aadsts-7000215');
  assert.equal(e.message, 'signing in: AADSTS7000215 (the client secret is wrong): Invalid client secret provided.');
  assert.match(e.suggestion!, /AZURE_CLIENT_SECRET is not a current secret of app abc/);
  for (const code of ['7000215', '700016', '70021', '700213', '700024', '50105', '65001', '53003']) {
    const x = explain(new Error(`AADSTS${code}: something. Trace ID: t`), { credential: 'github-oidc' });
    assert.equal(x.code, `aadsts-${code}`);
    assert.ok(x.suggestion && x.suggestion.length > 20, code);
  }
  assert.match(explain(new Error("AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:o/r:ref:refs/heads/x'."), { credential: 'github-oidc' }).suggestion!, /pipeline github`.*repo:o\/r:ref:refs\/heads\/x/);
  assert.match(explain(new Error('AADSTS700024: Client assertion is not within its valid time range.'), { credential: 'federated-token-file' }).suggestion!, /unset AZURE_FEDERATED_TOKEN_FILE/);
});
