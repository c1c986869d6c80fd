import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OboTokenCache } from '../../src/server/obo/cache.ts';
import { fakeClock } from '../helpers/clock.ts';

test('a token is loaded once and served from the cache until 5 minutes before expiry', async () => {
  const clock = fakeClock();
  const cache = new OboTokenCache({ clock });
  let loads = 0;
  const load = async () => ({ accessToken: `t${++loads}`, expiresOn: clock.now() + 3_600_000 });
  const key = OboTokenCache.key('assertion', 'graph');
  assert.deepEqual(await cache.getOrLoad(key, load), { token: { accessToken: 't1', expiresOn: clock.now() + 3_600_000 }, fromCache: false });
  assert.equal((await cache.getOrLoad(key, load)).fromCache, true);
  clock.advance(3_600_000 - 5 * 60_000 + 1);
  const again = await cache.getOrLoad(key, load);
  assert.equal(again.fromCache, false);
  assert.equal(again.token.accessToken, 't2');
});

test('concurrent callers for one key share one exchange; failures are not cached', async () => {
  const clock = fakeClock();
  const cache = new OboTokenCache({ clock });
  let loads = 0;
  let fail = true;
  const load = async () => {
    loads++;
    await new Promise((r) => setTimeout(r, 5));
    if (fail) throw new Error('boom');
    return { accessToken: 'ok', expiresOn: clock.now() + 3_600_000 };
  };
  const key = OboTokenCache.key('a', 'devops');
  const results = await Promise.allSettled([cache.getOrLoad(key, load), cache.getOrLoad(key, load), cache.getOrLoad(key, load)]);
  assert.equal(loads, 1);
  assert.ok(results.every((r) => r.status === 'rejected'));
  fail = false;
  assert.equal((await cache.getOrLoad(key, load)).token.accessToken, 'ok');
  assert.equal(loads, 2);
});

test('keys depend on the scope set, not its order; eviction drops a user\'s tokens for an API whatever their scopes', async () => {
  assert.equal(OboTokenCache.key('t', 'graph', ['Mail.Read', 'User.Read']), OboTokenCache.key('t', 'graph', ['User.Read', 'Mail.Read']));
  assert.notEqual(OboTokenCache.key('t', 'graph', ['Mail.Read']), OboTokenCache.key('t', 'graph', ['Mail.Send']));
  assert.notEqual(OboTokenCache.key('t', 'graph', ['x']), OboTokenCache.key('t', 'api://graph', ['x']));
  const clock = fakeClock();
  const cache = new OboTokenCache({ clock });
  const load = (user: string) => async () => ({ accessToken: 'x', expiresOn: clock.now() + 3_600_000, user });
  await cache.getOrLoad(OboTokenCache.key('a', 'graph', ['Mail.Read']), load('t/1'));
  await cache.getOrLoad(OboTokenCache.key('a', 'graph', ['Mail.Send']), load('t/1'));
  await cache.getOrLoad(OboTokenCache.key('a', 'devops', ['vso.work']), load('t/1'));
  await cache.getOrLoad(OboTokenCache.key('b', 'graph', ['Mail.Read']), load('t/2'));
  assert.equal(cache.evictUser('t/1', 'graph'), 2);
  assert.equal(cache.size, 2, "the user's DevOps token and the other user's Graph token stay");
});

test('keys depend on the assertion and the API, and do not contain the assertion', () => {
  const a = OboTokenCache.key('user-token-1', 'graph');
  assert.notEqual(a, OboTokenCache.key('user-token-2', 'graph'));
  assert.notEqual(a, OboTokenCache.key('user-token-1', 'devops'));
  assert.doesNotMatch(a, /user-token/);
});

test('the cache is bounded by memory: 112 MiB hold 20,000 users with both APIs (2.5 KB tokens)', async () => {
  const clock = fakeClock();
  const bySize = new OboTokenCache({ clock, maxBytes: 64 * 1024 });
  const byDefault = new OboTokenCache({ clock, maxBytes: 112 * 1024 * 1024 });
  const token = 'x'.repeat(2500);
  for (let i = 0; i < 20_000; i++) {
    const load = async () => ({ accessToken: token, expiresOn: clock.now() + 3_600_000, user: `tid/${i}` });
    if (i < 1000) await bySize.getOrLoad(OboTokenCache.key(`u${i}`, 'graph'), load);
    await byDefault.getOrLoad(OboTokenCache.key(`u${i}`, 'graph'), load);
    await byDefault.getOrLoad(OboTokenCache.key(`u${i}`, 'devops'), load);
  }
  assert.ok(bySize.size > 0 && bySize.size <= Math.floor((64 * 1024) / 2500), `size ${bySize.size}`);
  assert.equal(byDefault.size, 40_000, 'nothing evicted');
  assert.ok(byDefault.stats().bytes <= 112 * 1024 * 1024);
});

test('by default the cache may use 35% of the V8 heap', async () => {
  const { defaultCacheBytes } = await import('../../src/server/obo/cache.ts');
  const { getHeapStatistics } = await import('node:v8');
  assert.equal(defaultCacheBytes(), Math.floor(getHeapStatistics().heap_size_limit * 0.35));
});

test('a token that is already (nearly) expired is returned but not cached', async () => {
  const clock = fakeClock();
  const cache = new OboTokenCache({ clock });
  const load = async () => ({ accessToken: 'short', expiresOn: clock.now() + 60_000 });
  await cache.getOrLoad('k', load);
  assert.equal(cache.size, 0);
});

test('KeyedLimiter: never more than the limit per key, first come first served, other keys unaffected', async () => {
  const { KeyedLimiter } = await import('../../src/server/limits.ts');
  const limiter = new KeyedLimiter(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const task = (i: number) => async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    order.push(i);
    running--;
  };
  // Newcomers arrive while slots are being handed over: they must queue, not slip in.
  const all = Array.from({ length: 10 }, (_, i) => limiter.run('user-a', task(i)));
  let otherRan = false;
  await limiter.run('user-b', async () => {
    otherRan = true;
  });
  await Promise.all(all);
  assert.equal(peak, 2);
  assert.ok(otherRan);
  assert.deepEqual(order.slice(0, 2).sort(), [0, 1]);
  assert.equal(limiter.size, 0, 'idle keys are forgotten');
});
