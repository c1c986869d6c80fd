import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan, validateGraph } from '../../src/plan/runner.ts';
import type { Planned, Step, StepContext, StepEvent } from '../../src/plan/types.ts';
import { systemClock } from '../../src/clock.ts';

function step(id: string, dependsOn: string[], behaviour: { ms?: number; fail?: boolean; action?: Planned['action'] } = {}, log: string[] = []): Step {
  return {
    id,
    title: id,
    dependsOn,
    plane: 'arm',
    plan: async () => ({ action: behaviour.action ?? 'create' }),
    apply: async () => {
      log.push(`start ${id}`);
      await new Promise((r) => setTimeout(r, behaviour.ms ?? 10));
      if (behaviour.fail) throw new Error(`${id} broke`);
      log.push(`end ${id}`);
    },
  };
}

const ctx = (dryRun = false, resources: Record<string, unknown> = {}) => ({ clock: systemClock, dryRun, store: { deployment: { resources } } }) as unknown as StepContext;

test('independent steps overlap; dependents wait for their dependencies', async () => {
  const log: string[] = [];
  const steps = [step('rg', [], { ms: 20 }, log), step('acr', ['rg'], { ms: 40 }, log), step('mi', ['rg'], { ms: 40 }, log), step('pull', ['acr', 'mi'], {}, log), step('app', [], { ms: 30 }, log)];
  const started = Date.now();
  const results = await runPlan(steps, ctx());
  const elapsed = Date.now() - started;
  assert.ok(results.every((r) => r.status === 'done'));
  assert.ok(log.indexOf('start acr') > log.indexOf('end rg'));
  assert.ok(log.indexOf('start pull') > log.indexOf('end acr') && log.indexOf('start pull') > log.indexOf('end mi'));
  assert.ok(log.indexOf('start app') < log.indexOf('end rg'), 'Entra work runs beside ARM work');
  assert.ok(log.indexOf('start mi') < log.indexOf('end acr'), 'registry and identity overlap');
  assert.ok(elapsed < 20 + 40 + 10 + 40, `critical path, not the sum (${elapsed} ms)`);
});

test('concurrency 1 runs one step after another', async () => {
  const log: string[] = [];
  await runPlan([step('a', [], {}, log), step('b', [], {}, log), step('c', [], {}, log)], ctx(), { concurrency: 1 });
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('a failure blocks only its dependents (transitively); the rest finishes', async () => {
  const events: StepEvent[] = [];
  const results = await runPlan([step('c', ['b']), step('b', ['a']), step('a', [], { fail: true }), step('x', [])], ctx(), { onEvent: (e) => events.push(e) });
  const status = Object.fromEntries(results.map((r) => [r.step.id, r.status]));
  assert.deepEqual(status, { c: 'blocked', b: 'blocked', a: 'failed', x: 'done' });
  assert.match(results.find((r) => r.step.id === 'a')!.error!.message, /a broke/);
  assert.ok(events.some((e) => e.type === 'blocked' && e.step.id === 'c' && e.by === 'b'));
});

test('dry run plans every step and applies none', async () => {
  const log: string[] = [];
  const results = await runPlan([step('a', [], {}, log), step('b', ['a'], { action: 'unchanged' }, log)], ctx(true));
  assert.deepEqual(log, []);
  assert.deepEqual(results.map((r) => [r.status, r.planned?.action]), [['planned', 'create'], ['planned', 'unchanged']]);
});

test('unknown dependencies and cycles are refused', () => {
  assert.throws(() => validateGraph([step('a', ['nope'])]), /unknown step nope/);
  assert.throws(() => validateGraph([step('a', ['b']), step('b', ['a'])]), /cycle/);
});

test('a step that failed with a rerun error is run again from its plan, a bounded number of times', async () => {
  let plans = 0;
  const flaky: Step = { ...step('flaky', []), plan: async () => (++plans < 3 ? Promise.reject(new Error('no answer')) : { action: 'create' }) };
  const reruns: number[] = [];
  const ok = await runPlan([flaky], ctx(), { rerunOn: (e) => /no answer/.test((e as Error).message), reruns: 2, onRerun: (_s, attempt) => reruns.push(attempt) });
  assert.equal(ok[0]!.status, 'done');
  assert.deepEqual(reruns, [1, 2]);
  plans = -10;
  const failed = await runPlan([flaky], ctx(), { rerunOn: () => true, reruns: 2 });
  assert.equal(failed[0]!.status, 'failed');
  assert.equal(plans, -7, 'three attempts, then the failure stands');
});

test('dry run: a step whose dependency will be created plans without its stale outputs and says what is known after apply', async () => {
  const seen: string[][] = [];
  const dependent: Step = { ...step('b', ['a']), plan: async (c) => (seen.push(Object.keys(c.store.deployment.resources)), { action: 'update', detail: 'subject' }) };
  const results = await runPlan([step('a', []), dependent], ctx(true, { a: { id: 'stale' }, other: { id: 'kept' } }));
  assert.deepEqual(seen, [['other']]);
  assert.deepEqual(results[1]!.planned, { action: 'update', detail: 'subject; a known after apply' });
});
