/** The pieces of issue 14's output: lines cut to a width, the test count, the build key, a no-op save. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fit } from '../../src/cli/width.ts';
import { countLine } from '../../src/check/run.ts';
import { buildKey } from '../../src/deploy/unchanged.ts';
import { DeploymentStore } from '../../src/state/store.ts';
import { stepRow } from '../../src/provision/summary.ts';

test('fit: cut one column short of the edge, with an ellipsis; untouched off a terminal', () => {
  assert.equal(fit('0123456789', 10), '01234567…');
  assert.equal(fit('012345678', 10), '012345678');
  assert.equal(fit('0123456789', undefined), '0123456789');
  assert.equal([...fit('✔ ✖ ○ '.repeat(20), 20)].length, 19);
});

test('countLine: passed, skipped, failed (warnings are passes)', () => {
  const ok = { ok: true, skipped: false, warning: false };
  assert.equal(countLine([ok, ok, { ...ok, skipped: true }]), '2 passed, 1 skipped, 0 failed');
  assert.equal(countLine([ok, { ...ok, warning: true }, { ...ok, ok: false }]), '2 passed (1 with a warning), 0 skipped, 1 failed');
});

test('buildKey: the context and the build arguments, in any order', () => {
  assert.equal(buildKey('abc', { A: '1', B: '2' }), buildKey('abc', { B: '2', A: '1' }));
  assert.notEqual(buildKey('abc', undefined), buildKey('abc', { NODE_IMAGE: 'x@sha256:0' }));
  assert.notEqual(buildKey('abc', undefined), buildKey('abd', undefined));
});

test('stepRow: past tense after the fact, plan tense in a plan, a skipped step never ticked', () => {
  const row = (status: 'done' | 'planned', action: string) => stepRow({ id: 'x', title: 'thing', status, action: action as 'create', detail: null, error: null }, status === 'planned', 5);
  assert.equal(row('done', 'create'), '  ✔ thing  created');
  assert.equal(row('done', 'skip'), '  ○ thing  skipped');
  assert.equal(row('planned', 'create'), '  ○ thing  create');
});

test('a save that changes nothing leaves the file alone; a change is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-noop-'));
  const path = join(dir, 'mcp-obo.e2e-dev.json');
  const d = { version: 1, id: 'ab12', prefix: 'e2e', env: 'dev', tenantId: '11111111-1111-1111-1111-111111111111', subscriptionId: '22222222-2222-2222-2222-222222222222', location: 'eastus', cloud: 'AzureCloud', createdAt: '2026-01-01T00:00:00.000Z', resources: {}, updatedAt: '2026-01-01T00:00:00.000Z' };
  await writeFile(path, JSON.stringify(d, null, 2) + '\n');
  const store = await DeploymentStore.open(path);
  const [bytes, { mtimeMs }] = [await readFile(path), await stat(path)];
  await store.update((x) => ({ ...x, resources: { ...x.resources } }));
  await store.update((x) => ({ ...x }));
  assert.deepEqual(await readFile(path), bytes);
  assert.equal((await stat(path)).mtimeMs, mtimeMs);
  await store.update((x) => ({ ...x, mcpUrl: 'https://example.test/mcp' }));
  assert.match(await readFile(path, 'utf8'), /"mcpUrl": "https:\/\/example\.test\/mcp"/);
});
