import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeInto, type App, type Wanted } from '../../src/plan/steps/app-merge.ts';

const ours = { id: 'a0000000-0000-4000-8000-000000000001', value: 'access_as_user', isEnabled: true, type: 'User' };
const want = (o: Partial<Wanted> = {}): Wanted => ({
  displayName: 'MCP', signInAudience: 'AzureADMyOrg', tags: ['mcp-obo'], redirectUris: ['https://vscode.dev/redirect'], identifierUris: ['api://app'],
  scope: ours, preAuthorized: ['vscode'], requiredResourceAccess: [{ resourceAppId: 'graph', resourceAccess: [{ id: 'user.read', type: 'Scope' }] }], retiredScopes: [], ...o,
});
const app = (o: Partial<App> = {}): App => ({
  id: 'obj', appId: 'app', displayName: 'MCP', signInAudience: 'AzureADMyOrg', tags: ['mcp-obo', 'theirs'], identifierUris: ['api://app'],
  web: { redirectUris: ['https://theirs.example/cb', 'https://vscode.dev/redirect'] },
  api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ours, { id: 'b', value: 'theirs', isEnabled: true }], preAuthorizedApplications: [{ appId: 'vscode', delegatedPermissionIds: [ours.id, 'b'] }, { appId: 'partner', delegatedPermissionIds: ['b'] }] },
  requiredResourceAccess: [{ resourceAppId: 'graph', resourceAccess: [{ id: 'mail.read', type: 'Scope' }, { id: 'user.read', type: 'Scope' }] }],
  ...o,
});

test('everything of ours is there, beside theirs: nothing to write', () => {
  assert.deepEqual(mergeInto(app(), want()), { bodies: [], changes: [] });
});

test('ours are added to their lists, theirs kept in place', () => {
  const { bodies, changes } = mergeInto(app({ web: { redirectUris: ['https://theirs.example/cb'] }, requiredResourceAccess: [{ resourceAppId: 'graph', resourceAccess: [{ id: 'mail.read', type: 'Scope' }] }] }), want());
  assert.deepEqual(changes, ['redirect URIs', 'API permissions']);
  assert.deepEqual(bodies, [{ web: { redirectUris: ['https://theirs.example/cb', 'https://vscode.dev/redirect'] }, requiredResourceAccess: [{ resourceAppId: 'graph', resourceAccess: [{ id: 'mail.read', type: 'Scope' }, { id: 'user.read', type: 'Scope' }] }] }]);
});

test('our scope disabled by someone is enabled again; a client is pre-authorised for it without losing its other scopes', () => {
  const { bodies, changes } = mergeInto(app({ api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ ...ours, isEnabled: false }], preAuthorizedApplications: [{ appId: 'vscode', delegatedPermissionIds: ['b'] }] } }), want());
  assert.deepEqual(changes, ['scope', 'pre-authorized clients']);
  assert.deepEqual(bodies[0], { api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ours], preAuthorizedApplications: [{ appId: 'vscode', delegatedPermissionIds: ['b', ours.id] }] } });
});

test('a retired scope is disabled in one PATCH and removed in the next, never deleted while enabled', () => {
  const old = { id: 'c', value: 'user_impersonation', isEnabled: true };
  const current = app({ api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ours, old], preAuthorizedApplications: [{ appId: 'vscode', delegatedPermissionIds: [ours.id, 'c'] }] } });
  const { bodies, changes } = mergeInto(current, want({ retiredScopes: ['user_impersonation'] }));
  assert.deepEqual(changes, ['scope (disabling user_impersonation)']);
  assert.deepEqual(bodies, [
    { api: { ...current.api, oauth2PermissionScopes: [ours, { ...old, isEnabled: false }] } },
    { api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ours], preAuthorizedApplications: [{ appId: 'vscode', delegatedPermissionIds: [ours.id] }] } },
  ]);
  // Once disabled (a run died between the two), the next run only removes it.
  const next = mergeInto(app({ api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ours, { ...old, isEnabled: false }], preAuthorizedApplications: [{ appId: 'vscode', delegatedPermissionIds: [ours.id] }] } }), want({ retiredScopes: ['user_impersonation'] }));
  assert.deepEqual(next.bodies, [{ api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ours], preAuthorizedApplications: [{ appId: 'vscode', delegatedPermissionIds: [ours.id] }] } }]);
});

test('web and api go back whole: what else an administrator set on them stays', () => {
  const current = app({ web: { redirectUris: ['https://theirs.example/cb'], homePageUrl: 'https://contoso.com', redirectUriSettings: [{ uri: 'https://theirs.example/cb', index: null }] } });
  const { bodies } = mergeInto(current, want());
  assert.deepEqual(bodies, [{ web: { homePageUrl: 'https://contoso.com', redirectUris: ['https://theirs.example/cb', 'https://vscode.dev/redirect'] } }]);
});
