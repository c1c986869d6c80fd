/**
 * Signing-key cache behaviour against the emulator's real JWKS: rotation, outage and a flood of
 * unknown key ids. The clock is fake, the HTTP is real.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { KeyStore } from '../../src/server/auth/keystore.ts';
import { createVerifier } from '../../src/server/auth/verifier.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { fakeClock } from '../helpers/clock.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
});
after(() => emu?.close());

function setup() {
  const clock = fakeClock(Date.now());
  const jwksUri = `${emu.url}/${emu.tenantId}/discovery/v2.0/keys`;
  const keys = new KeyStore({ jwksUri: async () => jwksUri, clock, logger: silentLogger });
  const verifier = createVerifier({
    tenantId: emu.tenantId,
    clientId: emu.serverApp.clientId,
    resource: 'http://localhost:8000/mcp',
    maxTokenAgeSeconds: 24 * 3600,
    clock,
    issuers: [{ version: '2.0', issuer: async () => `${emu.url}/${emu.tenantId}/v2.0`, keys }],
  });
  const fetches = () => emu.requests.filter((r) => r.path.endsWith('/discovery/v2.0/keys')).length;
  return { clock, verifier, fetches };
}

test('keys are fetched once and cached', async () => {
  emu.requests.length = 0;
  const { verifier, fetches } = setup();
  for (let i = 0; i < 5; i++) await verifier.verifyAccessToken(await emu.mintUserToken());
  assert.equal(fetches(), 1);
});

test('a rotated key is picked up by one refresh once the cooldown has passed', async () => {
  emu.requests.length = 0;
  const { verifier, fetches, clock } = setup();
  await verifier.verifyAccessToken(await emu.mintUserToken());
  emu.rotateKeys();
  const rotated = await emu.mintUserToken();
  await assert.rejects(verifier.verifyAccessToken(rotated), InvalidTokenError, 'inside the cooldown the unknown kid is refused without a fetch');
  assert.equal(fetches(), 1);
  clock.advance(61_000);
  const info = await verifier.verifyAccessToken(rotated);
  assert.equal((info.extra?.user as { oid: string }).oid, emu.defaultUser.oid);
  assert.equal(fetches(), 2);
});

test('a flood of unknown key ids causes at most one refresh per cooldown', async () => {
  const { verifier, fetches, clock } = setup();
  await verifier.verifyAccessToken(await emu.mintUserToken());
  emu.requests.length = 0;
  clock.advance(61_000);
  const bogus = await Promise.all(Array.from({ length: 25 }, () => emu.mintUserToken({ signWith: 'unknown' })));
  const results = await Promise.allSettled(bogus.map((t) => verifier.verifyAccessToken(t)));
  assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof InvalidTokenError));
  assert.equal(fetches(), 1);
});

test('a JWKS outage keeps the cached keys working, even when they are stale', async () => {
  const { verifier, clock } = setup();
  await verifier.verifyAccessToken(await emu.mintUserToken());
  emu.faults.add({ path: '/discovery/v2.0/keys$', status: 503 });
  try {
    clock.advance(2 * 3_600_000); // stale: a background refresh is attempted and fails
    const t = Math.floor(clock.now() / 1000);
    const token = await emu.mintUserToken({ iat: t, nbf: t, exp: t + 3600 });
    for (let i = 0; i < 3; i++) await verifier.verifyAccessToken(token);
  } finally {
    emu.faults.clear();
  }
});

test('no keys at all (outage at first use) is a server error, not a token error', async () => {
  const { verifier } = setup();
  emu.faults.add({ path: '/discovery/v2.0/keys$', status: 503 });
  try {
    await assert.rejects(verifier.verifyAccessToken(await emu.mintUserToken()), (err: Error) => err.name === 'ServerError' || err.constructor.name === 'ServerError');
  } finally {
    emu.faults.clear();
  }
});

test('a withdrawn signing key stops being accepted within 5 minutes, cached verifications included', async () => {
  const { cachingVerifier } = await import('../../src/server/auth/verified-cache.ts');
  const { clock, verifier } = setup();
  const cached = cachingVerifier(verifier, clock);
  const token = await emu.mintUserToken();
  await cached.verifyAccessToken(token);
  emu.rotateKeys();
  emu.retireOldKeys();
  clock.advance(4 * 60_000);
  await cached.verifyAccessToken(token); // within the key set's lifetime: still trusted
  clock.advance(61_000);
  // The stale key set is refreshed in the background by the next use; after that the token is refused.
  let refused = false;
  for (let i = 0; i < 50 && !refused; i++) {
    refused = await cached.verifyAccessToken(token).then(() => false, (err: unknown) => err instanceof InvalidTokenError);
    if (!refused) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(refused, 'the token signed by the withdrawn key is refused');
});
