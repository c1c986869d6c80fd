/** Timeouts against a real (emulated) Entra and Graph that stop answering: retryable errors, no hang. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { createOboClient } from '../../src/server/obo/client.ts';
import { OboError } from '../../src/server/obo/errors.ts';
import { DownstreamError } from '../../src/server/downstream/http.ts';
import { authorizedFetch } from '../../src/server/downstream/access.ts';
import { KeyedLimiter } from '../../src/server/limits.ts';
import { fetchOidcDocument } from '../../src/server/auth/discovery.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { systemClock } from '../../src/clock.ts';
import { createOutbound } from '../../src/server/outbound.ts';
import { trustCa } from '../helpers/trust.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
  trustCa(emu.caPem);
});
after(() => emu?.close());

test('an OBO exchange that does not answer becomes a retryable timeout error', async () => {
  const oidc = await fetchOidcDocument(`${emu.url}/${emu.tenantId}/v2.0/.well-known/openid-configuration`);
  const obo = createOboClient({
    clientId: emu.serverApp.clientId,
    authority: `${emu.url}/${emu.tenantId}`,
    authorityMetadata: async () => JSON.stringify(oidc),
    credential: { clientSecret: emu.serverApp.clientSecret },
    graphEndpoint: emu.url,
    clock: systemClock,
    logger: silentLogger,
    timeoutMs: 300,
  });
  emu.faults.add({ method: 'POST', path: '/oauth2/v2.0/token$', hang: true });
  try {
    const token = await emu.mintUserToken();
    const started = Date.now();
    await assert.rejects(obo.getToken(token, { resource: 'graph', scopes: ['User.Read'] }), (err: unknown) => err instanceof OboError && err.failure === 'timeout' && err.retryable && /within 0.3 s/.test(err.message));
    assert.ok(Date.now() - started < 5000, 'the timeout, not the hang, ended the call');
  } finally {
    emu.faults.clear();
  }
  assert.match(await obo.getToken(await emu.mintUserToken(), { resource: 'graph', scopes: ['User.Read'] }), /^eyJ/, 'works again once Entra answers');
});

test('a slow Graph becomes a retryable timeout error (the outbound agent timeout)', async () => {
  const outbound = createOutbound({ connectionsPerOrigin: 2, timeoutMs: 200 });
  const obo = { getToken: async () => 'token', evictUser() {} };
  const caller = { assertion: 'a', user: { oid: 'o', tid: 't' }, signal: new AbortController().signal };
  const graph = authorizedFetch({ obo, fetch: outbound.fetch, clock: systemClock, limiter: new KeyedLimiter(4), logger: silentLogger }, caller, { resource: 'graph', scopes: ['User.Read'] });
  emu.faults.add({ method: 'GET', path: '^/v1.0/me$', delayMs: 2000 });
  try {
    const started = Date.now();
    await assert.rejects(graph(`${emu.url}/v1.0/me`), (err: unknown) => err instanceof DownstreamError && err.kind === 'timeout' && err.retryable);
    assert.ok(Date.now() - started < 1500, 'the timeout, not the delay, ended the call');
  } finally {
    emu.faults.clear();
    await outbound.close();
  }
});
