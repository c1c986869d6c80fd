import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphPage } from '../../src/tools/helpers.ts';
import { ToolError } from '../../src/tools/define.ts';

/** A stand-in for the Graph client: records which paths were asked for. */
function fakeGraph(pages: Record<string, unknown>) {
  const asked: string[] = [];
  const request = (path: string) => {
    const r = { top: () => r, select: () => r, filter: () => r, get: async () => pages[path] ?? { value: [] } };
    return r;
  };
  return { asked, api: (path: string) => (asked.push(path), request(path)) as never };
}

test('graphPage: the first page from the request, then Graph\'s own nextLink as the cursor', async () => {
  const next = 'https://graph.microsoft.com/v1.0/me/messages?$skip=10';
  const g = fakeGraph({ '/me/messages': { value: [1, 2], '@odata.nextLink': next }, [next]: { value: [3] } });
  assert.deepEqual(await graphPage(g, '/me/messages', (r) => r), { items: [1, 2], nextCursor: next });
  assert.deepEqual(await graphPage(g, '/me/messages', (r) => r, next), { items: [3], nextCursor: null });
});

test('graphPage refuses a cursor of another collection or no URL at all, before any request', async () => {
  const g = fakeGraph({});
  await assert.rejects(graphPage(g, '/me/messages', (r) => r, 'https://graph.microsoft.com/v1.0/me/drive/root/children?$skip=1'), (e: unknown) => e instanceof ToolError && /another list/.test(e.message));
  await assert.rejects(graphPage(g, '/me/messages', (r) => r, 'not a url'), (e: unknown) => e instanceof ToolError && /not one this tool returned/.test(e.message));
  assert.deepEqual(g.asked, []);
});
