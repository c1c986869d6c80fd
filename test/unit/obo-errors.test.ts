import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toOboError } from '../../src/server/obo/errors.ts';

const cases: [string, object, string, RegExp][] = [
  ['consent missing', { errorCode: 'invalid_grant', subError: 'consent_required', errorNo: 65001 }, 'consent_required', /mcp-obo consent/],
  ['user not assigned', { errorCode: 'invalid_grant', errorNo: '50105' }, 'user_not_assigned', /group/],
  ['MFA required', { errorCode: 'interaction_required', errorNo: 50076, claims: '{"access_token":{"capolids":{"essential":true}}}' }, 'claims_challenge', /multi-factor|Conditional Access/],
  ['FIC subject mismatch', { errorCode: 'invalid_client', errorNo: 700213 }, 'server_credential', /federated identity credential/],
  ['expired secret', { errorCode: 'invalid_client', errorMessage: 'AADSTS7000222: The provided client secret keys are expired.' }, 'server_credential', /secret/],
  ['bad user assertion', { errorCode: 'invalid_grant', errorNo: 50013 }, 'invalid_user_token', /Sign in again/],
  ['resource missing', { errorCode: 'invalid_resource', errorNo: 500011 }, 'resource_missing', /mcp-obo consent/],
  ['Entra 503', { errorCode: 'temporarily_unavailable', status: 503 }, 'unavailable', /try again/],
  ['network', { errorCode: 'network_error' }, 'unavailable', /could not be reached/],
  ['anything else', { errorCode: 'invalid_request', errorNo: 90014, correlationId: 'c0ffee' }, 'unknown', /AADSTS90014.*c0ffee/],
];

for (const [name, msal, failure, advice] of cases) {
  test(`OBO failure: ${name}`, () => {
    const e = toOboError(msal, 'Microsoft Graph');
    assert.equal(e.failure, failure);
    assert.match(e.message, advice);
  });
}

test('a claims challenge is carried back; only transient failures are retryable', () => {
  const mfa = toOboError({ errorCode: 'interaction_required', errorNo: 50076, claims: '{"x":1}' }, 'Azure DevOps');
  assert.equal(mfa.claims, '{"x":1}');
  assert.equal(mfa.retryable, false);
  assert.equal(toOboError({ status: 503 }, 'Azure DevOps').retryable, true);
  assert.equal(toOboError({ errorNo: 65001 }, 'Azure DevOps').retryable, false);
});
