import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { OboTokenCache, tokenEntryBytes } from '../../src/server/obo/cache.ts';
import { TokenPacker } from '../../src/server/obo/pack.ts';
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

/** A token shaped like Entra's for Graph (about 2.2 KB): JSON header and payload, a 256-byte signature. */
function jws(user: number, resource = 'https://graph.microsoft.com'): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const random = (n: number) => randomBytes(n).toString('base64url');
  const oid = randomUUID();
  const payload = {
    aud: resource, iss: 'https://sts.windows.net/9e213932-1f4c-40c4-904d-fefb9099cdca/', iat: 1_795_799_379, nbf: 1_795_799_379, exp: 1_795_802_979 + user,
    acr: '1', aio: random(48), amr: ['pwd'], app_displayname: 'mcp-obo-server', appid: '17c0599b-3f7d-4049-9509-54ede557cbca', appidacr: '1',
    family_name: `User ${user}`, given_name: 'Test', idtyp: 'user', name: `Test User ${user}`, oid, rh: `0.${random(48)}.`, scp: 'User.Read', sub: random(32),
    tid: '9e213932-1f4c-40c4-904d-fefb9099cdca', unique_name: `user${user}@contoso.onmicrosoft.com`, upn: `user${user}@contoso.onmicrosoft.com`, uti: random(16), ver: '1.0',
    acct: 0, acrs: ['p1'], ipaddr: '203.0.113.7', platf: '3', puid: randomBytes(8).toString('hex').toUpperCase(), signin_state: ['kmsi'], tenant_region_scope: 'NA',
    wids: ['b79fbf4d-3ef9-4689-8143-76b194e85509'], xms_ftd: random(110), xms_idrel: '1 20', xms_st: { sub: random(32) }, xms_tcdt: 1_600_000_000, xms_tdbr: 'EU',
  };
  return `${b64({ typ: 'JWT', nonce: random(32), alg: 'RS256', x5t: random(20), kid: random(20) })}.${b64(payload)}.${random(256)}`;
}

test('tokens are packed losslessly: the very string Entra issued comes back, at about a third of its size', () => {
  const packer = new TokenPacker();
  for (let i = 0; i < 20; i++) {
    const token = jws(i);
    const packed = packer.pack(token, 'graph');
    assert.ok(packed.header > 0, 'packed');
    assert.equal(TokenPacker.unpack(packed), token);
    if (i > 0) assert.ok(TokenPacker.size(packed) < token.length * 0.5, `packed ${TokenPacker.size(packed)} of ${token.length}`);
  }
  // Anything that would not come back byte for byte is kept as it came.
  for (const odd of ['not-a-jwt', 'a.b', 'eyJhIjoxfQ==.eyJiIjoyfQ.c2ln', 'a.b.c.d', '', 'e30.e30.']) {
    assert.equal(packer.pack(odd, 'graph').bytes, odd);
    assert.equal(TokenPacker.unpack(packer.pack(odd, 'graph')), odd);
  }
});

test('cached tokens come back exactly, whether unpacked or still hot', async () => {
  const clock = fakeClock();
  const cache = new OboTokenCache({ clock, hot: 2 });
  const tokens = Array.from({ length: 10 }, (_, i) => jws(i));
  for (const [i, t] of tokens.entries()) await cache.getOrLoad(OboTokenCache.key(`u${i}`, 'graph'), async () => ({ accessToken: t, expiresOn: clock.now() + 3_600_000 }));
  for (const [i, t] of tokens.entries()) {
    const got = await cache.getOrLoad(OboTokenCache.key(`u${i}`, 'graph'), async () => assert.fail('served from the cache'));
    assert.equal(got.token.accessToken, t);
  }
});

test('the cache is bounded by memory, and its accounting counts what it holds', async () => {
  const clock = fakeClock();
  const small = new OboTokenCache({ clock, maxBytes: 64 * 1024 });
  for (let i = 0; i < 1000; i++) await small.getOrLoad(OboTokenCache.key(`u${i}`, 'graph'), async () => ({ accessToken: jws(i), expiresOn: clock.now() + 3_600_000, user: `tid/${i}` }));
  assert.ok(small.size > 0 && small.stats().bytes <= 64 * 1024, `size ${small.size}`);
  // Packed, a Graph token costs about 1.1 KB with its key and bookkeeping; the same token unpacked, 2.2 KB.
  const perEntry = small.stats().bytes / small.size;
  assert.ok(perEntry > 700 && perEntry < 1300, `${perEntry} bytes an entry`);
  const raw = jws(1);
  assert.ok(tokenEntryBytes('k', { bytes: raw, header: -1, payload: 0, dictionary: undefined }) > raw.length, 'a token kept as it came is counted at its full length');
});

test('the default budget (16% of the heap) holds 20,000 users with a Graph and a DevOps token each, with the image\'s flags', () => {
  // The image runs with --max-semi-space-size=16 --max-old-space-size=256: a 304 MiB heap limit.
  const imageBudget = Math.floor(304 * 1024 * 1024 * 0.16);
  const packer = new TokenPacker();
  let bytes = 0;
  for (let i = 0; i < 200; i++) {
    for (const [resource, family] of [['https://graph.microsoft.com', 'graph'], ['499b84ac-1321-427f-aa17-267ca6975798', 'devops']] as const) {
      bytes += tokenEntryBytes(OboTokenCache.key(`u${i}`, family, ['User.Read']), { ...packer.pack(jws(i, resource), family), user: `9e213932-1f4c-40c4-904d-fefb9099cdca/${randomUUID()}` });
    }
  }
  assert.ok((bytes / 400) * 40_000 <= imageBudget, `${((bytes / 400) * 40_000 / 1024 / 1024).toFixed(1)} MiB for 40,000 tokens`);
});

test('by default the cache may use 16% of the V8 heap', async () => {
  const { defaultCacheBytes } = await import('../../src/server/obo/cache.ts');
  const { getHeapStatistics } = await import('node:v8');
  assert.equal(defaultCacheBytes(), Math.floor(getHeapStatistics().heap_size_limit * 0.16));
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

test("a cached token takes none of the user's slots; an exchange waits for one", async () => {
  const { KeyedLimiter } = await import('../../src/server/limits.ts');
  const { createOboClient } = await import('../../src/server/obo/client.ts');
  const { silentLogger } = await import('../../src/server/logger.ts');
  const clock = fakeClock();
  const cache = new OboTokenCache({ clock });
  const target = { resource: 'graph', scopes: ['User.Read'] };
  cache.put(OboTokenCache.key('cached-user', 'graph', target.scopes), { accessToken: 'from-cache', expiresOn: clock.now() + 3_600_000 });
  // No Entra behind this client: an exchange would fail, so only the cache can answer.
  const obo = createOboClient({ clientId: 'c', authority: 'https://login.invalid/t', authorityMetadata: async () => { throw new Error('no Entra here'); }, credential: { clientSecret: 's' }, graphEndpoint: 'https://graph.invalid', clock, logger: silentLogger, cache });
  const limiter = new KeyedLimiter(1);
  const slot = <T>(task: () => Promise<T>) => limiter.run('user', task);
  let release!: () => void;
  const busy = limiter.run('user', () => new Promise<void>((r) => (release = r)));
  assert.equal(await obo.getToken('cached-user', target, { slot }), 'from-cache', 'served while the only slot is busy');
  let exchangeStarted = false;
  const exchanging = obo.getToken('new-user', target, { slot: (task) => slot(() => ((exchangeStarted = true), task())) }).catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(exchangeStarted, false, 'the exchange waits for the slot');
  release();
  await busy;
  assert.ok((await exchanging) instanceof Error);
  assert.equal(exchangeStarted, true);
});
