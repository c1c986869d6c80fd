import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retry } from '../../src/plan/retry.ts';
import { classifyProvisioning, classifyTransient, TIMEOUT_ATTEMPTS } from '../../src/azure/errors.ts';
import { RequestTimeoutError } from '../../src/azure/timeout.ts';
import { GraphRequestError } from '../../src/graph/client.ts';
import { fakeClock } from '../helpers/clock.ts';

const rest = (statusCode: number, code: string, retryAfter?: string) =>
  Object.assign(new Error(code), { name: 'RestError', statusCode, code, response: { headers: { get: (h: string) => (h === 'retry-after' ? retryAfter : undefined) } } });

test('throttling honours Retry-After, then succeeds', async () => {
  const clock = fakeClock();
  let calls = 0;
  const out = await retry(
    async () => {
      if (++calls < 3) throw rest(429, 'TooManyRequests', '7');
      return 'ok';
    },
    { clock, classify: (e) => classifyTransient(e, clock.now()), maxAttempts: 5, baseMs: 100, maxDelayMs: 1000, deadlineMs: 60_000, random: () => 0 },
  );
  assert.equal(out, 'ok');
  assert.deepEqual(clock.slept, [7000, 7000]);
});

test('backoff grows exponentially with jitter and stops at the attempt limit', async () => {
  const clock = fakeClock();
  let calls = 0;
  await assert.rejects(
    retry(async () => {
      calls++;
      throw rest(503, 'ServiceUnavailable');
    }, { clock, classify: (e) => classifyTransient(e), maxAttempts: 4, baseMs: 100, maxDelayMs: 250, deadlineMs: 60_000, random: () => 1 }),
    /ServiceUnavailable/,
  );
  assert.equal(calls, 4);
  assert.deepEqual(clock.slept, [100, 200, 250]);
});

test('non-transient errors are not retried; propagation errors only when asked', async () => {
  const clock = fakeClock();
  for (const [err, transient, propagation] of [
    [rest(400, 'InvalidTemplate'), false, false],
    [rest(403, 'AuthorizationFailed'), false, false],
    [rest(400, 'PrincipalNotFound'), false, true],
    [new GraphRequestError('GET', '/applications/x', 404, 'Request_ResourceNotFound', "Resource 'x' does not exist"), false, true],
    [new GraphRequestError('POST', '/servicePrincipals', 400, 'Request_BadRequest', "The appId 'x' of the service principal does not reference a valid application object."), false, true],
    [new GraphRequestError('POST', '/applications', 403, 'Authorization_RequestDenied', 'Insufficient privileges'), false, false],
    [rest(504, 'GatewayTimeout'), true, true],
  ] as const) {
    assert.equal(classifyTransient(err).retry, transient, `${(err as Error).message} transient`);
    assert.equal(classifyProvisioning(err).retry, propagation, `${(err as Error).message} propagation`);
  }
  let calls = 0;
  await assert.rejects(retry(async () => { calls++; throw rest(400, 'InvalidTemplate'); }, { clock, classify: classifyProvisioning, maxAttempts: 5, baseMs: 1, maxDelayMs: 1, deadlineMs: 1000 }));
  assert.equal(calls, 1);
});

test('the deadline bounds the total wait', async () => {
  const clock = fakeClock();
  await assert.rejects(retry(async () => { throw rest(429, 'TooManyRequests', '30'); }, { clock, classify: (e) => classifyTransient(e), maxAttempts: 100, baseMs: 1, maxDelayMs: 1, deadlineMs: 65_000 }));
  assert.deepEqual(clock.slept, [30_000, 30_000]);
});

test('a request that did not answer is retried when it can be repeated, a few times only; a POST is not', async () => {
  const clock = fakeClock();
  let calls = 0;
  const get = new RequestTimeoutError('GET', 'https://management.azure.com/subscriptions/x', 30_000);
  await assert.rejects(
    retry(async () => {
      calls++;
      throw get;
    }, { clock, classify: (e) => classifyProvisioning(e), maxAttempts: 30, baseMs: 100, maxDelayMs: 1000, deadlineMs: 600_000, random: () => 0 }),
    /did not answer GET \/subscriptions\/x within 30 s/,
  );
  assert.equal(calls, TIMEOUT_ATTEMPTS);
  assert.equal(classifyTransient(new RequestTimeoutError('POST', 'https://graph.microsoft.com/v1.0/groups', 30_000)).retry, false);
});
