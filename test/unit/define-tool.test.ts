import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineTool, isTool, ToolError, isToolError, z } from '../../src/tools/index.ts';

const base = { name: 'ok_tool', description: 'Does a thing.', scopes: { graph: ['Mail.Read'] }, handler: async () => 'done' };

test('a valid tool is frozen, its scopes deduplicated and sorted, and recognised by its brand', () => {
  const t = defineTool({ ...base, scopes: { graph: ['Mail.Send', 'Mail.Read', 'Mail.Read'], 'api://contoso-expenses': ['Expenses.Read'] } });
  assert.deepEqual(t.scopes, { graph: ['Mail.Read', 'Mail.Send'], 'api://contoso-expenses': ['Expenses.Read'] });
  assert.ok(Object.isFrozen(t));
  assert.ok(isTool(t));
  // A tool from another copy of the package (a project's own node_modules) carries the same brand.
  assert.ok(isTool({ ...t }));
  assert.ok(!isTool({ name: 'x', handler: () => 1 }));
});

for (const [what, def, pattern] of [
  ['a name with spaces', { ...base, name: 'my tool' }, /name must be 1-64 letters/],
  ['no description', { ...base, description: ' ' }, /a description is required/],
  ['no scopes', { ...base, scopes: undefined }, /scopes are required/],
  ['an unknown API', { ...base, scopes: { sharepoint: ['Sites.Read.All'] } }, /"sharepoint" is not an API: use graph, devops, or the API's identifier URI/],
  ['an http API', { ...base, scopes: { 'http://contoso.example/api': ['X'] } }, /is not an API/],
  ['an empty list', { ...base, scopes: { graph: [] } }, /must list at least one permission/],
  ['.default', { ...base, scopes: { graph: ['.default'] } }, /"\.default" is not a delegated permission name/],
  ['a fully qualified scope', { ...base, scopes: { graph: ['https://graph.microsoft.com/Mail.Read'] } }, /is not a delegated permission name/],
  ['no handler', { ...base, handler: undefined }, /a handler function is required/],
] as const) {
  test(`defineTool refuses ${what}, naming the tool`, () => {
    assert.throws(() => defineTool(def as never), (err: unknown) => err instanceof TypeError && pattern.test(err.message) && err.message.startsWith('tool "'));
  });
}

test('a tool with no API declares empty scopes; input schemas are zod objects', () => {
  const t = defineTool({ name: 'echo', description: 'Echoes.', scopes: {}, input: z.object({ text: z.string() }), handler: async ({ text }) => text });
  assert.deepEqual(t.scopes, {});
});

test('ToolError is recognised across copies and carries retryable', () => {
  const e = new ToolError('No such work item', { retryable: true });
  assert.ok(isToolError(e));
  assert.equal(e.retryable, true);
  assert.ok(!isToolError(new Error('x')));
});
