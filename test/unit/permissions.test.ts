import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wantedPermissions } from '../../src/permissions/wanted.ts';
import { appliedAfter, unneededPermissions, wantedAccess } from '../../src/permissions/plan.ts';
import type { ResolvedResource } from '../../src/permissions/resolve.ts';
import { mergeInto, type App, type Wanted } from '../../src/plan/steps/app-merge.ts';
import { defineTool } from '../../src/tools/define.ts';

const tool = (name: string, scopes: Record<string, string[]>) => ({ tool: defineTool({ name, description: 'x', scopes, handler: async () => 'x' }), from: 'pack:test' });
const G = '00000003-0000-0000-c000-000000000000';

test('wanted permissions: sign-in scopes always, each tool\'s, merged case-insensitively, with who needs them', () => {
  const w = wantedPermissions([tool('a', { graph: ['Mail.Read'] }), tool('b', { graph: ['mail.read', 'Mail.Send'], devops: ['vso.work'] })]);
  const graph = w.find((r) => r.resource === 'graph')!;
  assert.deepEqual([...graph.permissions.keys()], ['openid', 'profile', 'email', 'offline_access', 'Mail.Read', 'Mail.Send']);
  assert.deepEqual(graph.permissions.get('Mail.Read'), ['a (pack:test)', 'b (pack:test)']);
  assert.deepEqual([...w.find((r) => r.resource === 'devops')!.permissions.keys()], ['vso.work']);
});

const resolved = (ids: [string, string][]): ResolvedResource[] => [
  { resource: 'graph', resourceAppId: G, displayName: 'Microsoft Graph', spId: 'sp', permissions: ids.map(([value, id]) => ({ value, id, neededBy: [] })), published: ids.map(([value, id]) => ({ value, id })) },
];

test('unneeded: what mcp-obo recorded and no tool needs now; nothing of anyone else', () => {
  const now = resolved([['User.Read', 'u']]);
  const un = unneededPermissions({ [G]: ['u', 'mail'] }, now, (_a, id) => ({ api: 'Microsoft Graph', permission: id === 'mail' ? 'Mail.Read' : id }));
  assert.deepEqual(un, [{ resourceAppId: G, id: 'mail', api: 'Microsoft Graph', permission: 'Mail.Read' }]);
  assert.deepEqual(unneededPermissions(undefined, now, () => ({ api: '', permission: '' })), [], 'nothing recorded: nothing to take off');
});

test('recorded after a run: what stays recorded, plus what this run added; an administrator\'s permission never becomes ours', () => {
  const want = wantedAccess(resolved([['User.Read', 'u'], ['Mail.Read', 'mail'], ['People.Read', 'people']]));
  const before = [{ resourceAppId: G, resourceAccess: [{ id: 'people', type: 'Scope' }, { id: 'u', type: 'Scope' }] }];
  assert.deepEqual(appliedAfter({ [G]: ['u', 'gone'] }, before, want, [{ resourceAppId: G, id: 'gone' }]), { [G]: ['u', 'mail'] });
});

test('the app registration merge keeps others\' permissions and takes off only the retired ones', () => {
  const app: App = { id: 'o', appId: 'a', displayName: 'n', requiredResourceAccess: [{ resourceAppId: G, resourceAccess: [{ id: 'admin', type: 'Scope' }, { id: 'mail', type: 'Scope' }, { id: 'u', type: 'Scope' }] }] };
  const want = { displayName: 'n', signInAudience: 'AzureADMyOrg', tags: [], redirectUris: [], scope: { id: 's', value: 'access_as_user' }, requiredResourceAccess: [{ resourceAppId: G, resourceAccess: [{ id: 'u', type: 'Scope' }] }], retiredScopes: [] } as Wanted;
  const kept = mergeInto(app, want).bodies[0]?.requiredResourceAccess;
  assert.equal(kept, undefined, 'nothing to change without retiring');
  const pruned = mergeInto(app, { ...want, retiredPermissions: [{ resourceAppId: G, id: 'mail' }] }).bodies[0]!.requiredResourceAccess as App['requiredResourceAccess'];
  assert.deepEqual(pruned![0]!.resourceAccess.map((a) => a.id), ['admin', 'u']);
});
