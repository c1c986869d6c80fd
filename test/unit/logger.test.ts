import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchedLines, createLogger } from '../../src/server/logger.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eXoiLCJhdWQiOiJ5In0.c2lnbmF0dXJlLWJ5dGVz';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'debug') {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, write: (l) => lines.push(l), now: () => new Date(0) }) };
}

test('one JSON line per event with time, level and event', () => {
  const { lines, log } = capture();
  log.info('server.listening', { url: 'http://127.0.0.1:8000' });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), { time: '1970-01-01T00:00:00.000Z', level: 'info', event: 'server.listening', url: 'http://127.0.0.1:8000' });
});

test('levels below the threshold are dropped', () => {
  const { lines, log } = capture('warn');
  log.debug('a');
  log.info('b');
  log.warn('c');
  log.error('d');
  assert.deepEqual(lines.map((l) => JSON.parse(l).event), ['c', 'd']);
});

test('secret fields are dropped at any depth and JWT-shaped strings are masked', () => {
  const { lines, log } = capture();
  log.info('x', {
    token: JWT,
    client_secret: 'abc',
    nested: { authorization: `Bearer ${JWT}`, assertion: JWT, list: [`value ${JWT}`] },
    message: `msal said ${JWT} was bad`,
    error: new Error(`failed with ${JWT}`),
  });
  const line = lines[0]!;
  assert.doesNotMatch(line, /eyJhbGci/);
  assert.doesNotMatch(line, /abc/);
  const parsed = JSON.parse(line);
  assert.equal(parsed.message, 'msal said [redacted-jwt] was bad');
  assert.equal(parsed.error, 'failed with [redacted-jwt]');
  assert.deepEqual(parsed.nested, { list: ['value [redacted-jwt]'] });
});

test('batchedLines: the lines of one turn of the event loop leave in one write, in order; flush() writes what waits at once', async () => {
  const writes: string[] = [];
  const lines = batchedLines({ write: (t: string) => writes.push(t) });
  lines.write('a');
  lines.write('b');
  assert.deepEqual(writes, [], 'nothing before the turn ends');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, ['a\nb\n']);
  lines.write('c');
  lines.flush();
  assert.deepEqual(writes, ['a\nb\n', 'c\n']);
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 2, 'a flushed line is not written twice');
});
