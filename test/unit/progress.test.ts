import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createProgress, progressMode } from '../../src/cli/progress.ts';
import type { Step } from '../../src/plan/types.ts';

const step = { id: 'registry', title: 'container registry', dependsOn: [], plane: 'arm' } as unknown as Step;

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

test('mode: json when asked, live only on a terminal outside CI', () => {
  assert.equal(progressMode({ json: true, isTTY: true, env: {} }), 'json');
  assert.equal(progressMode({ isTTY: true, env: {} }), 'tty');
  assert.equal(progressMode({ isTTY: true, env: { CI: 'true' } }), 'plain');
  assert.equal(progressMode({ isTTY: false, env: {} }), 'plain');
});

test('plain: one line per event; json: one object per line', () => {
  const plain = capture();
  const p = createProgress('plain', plain.out, [step]);
  p.onEvent({ type: 'start', step, planned: { action: 'create' } });
  p.onEvent({ type: 'done', step, planned: { action: 'create' }, ms: 1500 });
  p.onRetry('AcrPull role assignment', 1, 800, 'waiting for replication (PrincipalNotFound)');
  assert.equal(plain.text(), '… container registry: creating…\n✔ container registry: created in 1.5 s\n  AcrPull role assignment: waiting for replication (PrincipalNotFound); retry 1 in 0.8 s\n');

  const json = capture();
  const j = createProgress('json', json.out, [step]);
  j.onEvent({ type: 'failed', step, error: new Error('AuthorizationFailed'), ms: 20 });
  assert.deepEqual(JSON.parse(json.text()), { event: 'step', step: 'registry', status: 'failed', error: 'AuthorizationFailed', ms: 20 });
});

test('tty: redraws its lines in place, each cut to the terminal width', () => {
  const tty = capture();
  Object.assign(tty.out, { isTTY: true, columns: 30 });
  const t = createProgress('tty', tty.out, [step]);
  t.onEvent({ type: 'start', step, planned: { action: 'create' } });
  t.onEvent({ type: 'done', step, planned: { action: 'skip', detail: '--no-secret' }, ms: 10 });
  // eslint-disable-next-line no-control-regex -- the ANSI sequences are what is tested
  assert.match(tty.text(), /^\x1b\[2K… container registry {2}creati…\n\x1b\[1A\x1b\[2K○ container registry {2}skippe…\n$/);
  for (const line of tty.text().split('\n')) assert.ok([...line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')].length < 30, line); // eslint-disable-line no-control-regex
});
