import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { cachingVerifier, entryBytes, VerifiedTokenCache } from '../../src/server/auth/verified-cache.ts';
import { fakeClock } from '../helpers/clock.ts';

const resource = new URL('https://mcp.contoso.com/mcp');
const keys = { knows: (kid: string) => kid === 'k1' };

/** What createVerifier returns for a user: fresh strings per token, as decoding a JWT gives them. */
function verified(token: string, i: number, expiresAt: number): AuthInfo {
  return {
    token,
    clientId: ['aebc6443-996d-45c2-90f0-388ff96faa56'].join(''),
    scopes: [`api://${'11111111-2222-3333-4444-555555555555'}/access_as_user`],
    expiresAt,
    resource,
    extra: { user: { oid: randomUUID(), tid: ['9e213932-1f4c-40c4-904d-fefb9099cdca'].join(''), name: `Test User ${i}`, preferredUsername: `user${i}@contoso.com` }, kid: ['k', '1'].join(''), keys },
  };
}

test('a cached verification gives back the same user, the token presented, and values shared by all entries', () => {
  const clock = fakeClock();
  const cache = new VerifiedTokenCache(1024 * 1024);
  const exp = Math.floor(clock.now() / 1000) + 3600;
  const a = verified('token-a', 1, exp);
  const b = verified('token-b', 2, exp);
  cache.set(VerifiedTokenCache.key('token-a'), a, clock.now() + 60_000);
  cache.set(VerifiedTokenCache.key('token-b'), b, clock.now() + 60_000);
  const gotA = cache.get(VerifiedTokenCache.key('token-a'), 'token-a', clock.now())!;
  const gotB = cache.get(VerifiedTokenCache.key('token-b'), 'token-b', clock.now())!;
  assert.deepEqual(gotA, a);
  assert.equal(gotB.token, 'token-b');
  assert.deepEqual(gotB.extra?.user, b.extra?.user);
  // Shared, not copied per user: the scopes array, the client, the tenant, the resource URL.
  assert.equal(gotA.scopes, gotB.scopes);
  assert.equal(gotA.resource, gotB.resource);
  assert.equal((gotA.extra!.user as { tid: string }).tid, (gotB.extra!.user as { tid: string }).tid);
  assert.deepEqual(cache.stats(), { entries: 2, hits: 2, misses: 0, bytes: cache.stats().bytes });
});

test('entries end with their time, and when their signing key leaves the key set', () => {
  const clock = fakeClock();
  const cache = new VerifiedTokenCache(1024 * 1024);
  const info = verified('t', 1, Math.floor(clock.now() / 1000) + 3600);
  cache.set('k', info, clock.now() + 60_000);
  assert.ok(cache.get('k', 't', clock.now()));
  assert.equal(cache.get('k', 't', clock.now() + 61_000), undefined);
  cache.set('k2', { ...info, extra: { ...info.extra, kid: 'k2' } }, clock.now() + 60_000);
  assert.equal(cache.get('k2', 't', clock.now()), undefined, 'a key the key set no longer knows');
});

test('bounded by memory: about 400 bytes a user, so 9 MiB hold more than 20,000 users', () => {
  const clock = fakeClock();
  const exp = Math.floor(clock.now() / 1000) + 3600;
  const budget = 9 * 1024 * 1024;
  const cache = new VerifiedTokenCache(budget);
  for (let i = 0; i < 22_000; i++) cache.set(VerifiedTokenCache.key(`token-${i}`), verified(`token-${i}`, i, exp), clock.now() + 60_000);
  assert.equal(cache.size, 22_000, 'nothing evicted');
  const perEntry = cache.stats().bytes / cache.size;
  assert.ok(perEntry > 300 && perEntry < 450, `${perEntry} bytes an entry`);
  const small = new VerifiedTokenCache(64 * 1024);
  for (let i = 0; i < 1000; i++) small.set(VerifiedTokenCache.key(`token-${i}`), verified(`token-${i}`, i, exp), clock.now() + 60_000);
  assert.ok(small.size < 1000 && small.stats().bytes <= 64 * 1024);
  assert.equal(entryBytes('x'.repeat(43), { oid: 'o'.repeat(36), name: 'n'.repeat(10), preferredUsername: undefined }), 200 + 43 + 36 + 10);
});

test('the caching verifier checks a token once, then answers from memory', async () => {
  const clock = fakeClock();
  let checks = 0;
  const exp = Math.floor(clock.now() / 1000) + 3600;
  const v = cachingVerifier({ verifyAccessToken: async (t) => (checks++, verified(t, 1, exp)) }, clock, { maxBytes: 1024 * 1024 });
  const first = await v.verifyAccessToken('tok');
  const second = await v.verifyAccessToken('tok');
  assert.equal(checks, 1);
  assert.deepEqual(second, first);
  assert.deepEqual({ ...v.stats(), bytes: 0 }, { entries: 1, bytes: 0, hits: 1, misses: 1 });
});
