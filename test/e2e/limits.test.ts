/**
 * What one user can make the server do, measured at the emulator: batches, the per-user rate
 * limit, concurrent downstream calls per user, and browser origins (CORS).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { serverEnv, startServe, type ServeProcess } from '../helpers/serve.ts';
import type { RequestLogEntry } from '../emulator/index.ts';

let emu: Emulator;
const running: ServeProcess[] = [];

before(async () => {
  emu = await startEmulator();
});
after(async () => {
  for (const s of running) await s.stop();
  await emu?.close();
});

async function serve(extra: Record<string, string> = {}) {
  const s = await startServe(serverEnv(emu, { LOG_LEVEL: 'info', ...extra }));
  running.push(s);
  return s;
}

const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_user_context', arguments: {} } });
const post = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });

/** The most requests in flight at any moment (a sweep over arrivals and completions). */
function peakInFlight(calls: RequestLogEntry[]): number {
  const events = calls.flatMap((c) => [[c.startedAt, 1], [c.endedAt!, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let peak = 0;
  let now = 0;
  for (const [, delta] of events) peak = Math.max(peak, (now += delta));
  return peak;
}

/**
 * `users` new users ask for their profile at once (keys and discovery fetched before), with Entra's token
 * endpoint and Graph slowed by `delayMs`: how many failed, and the requests the emulator finished.
 */
async function profileBurst(s: ServeProcess, users: number, delayMs: number): Promise<{ failed: number; outbound: RequestLogEntry[] }> {
  const slowToken = emu.faults.add({ path: '/oauth2/v2.0/token$', delayMs });
  const slowGraph = emu.faults.add({ path: '^/v1.0/me', delayMs });
  try {
    const tokens = await Promise.all(Array.from({ length: users }, async () => emu.mintUserToken({ user: emu.addUser() })));
    await post(s.url, tokens[0]!, { jsonrpc: '2.0', id: 0, method: 'tools/list' });
    emu.requests.length = 0;
    const profile = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'graph_get_profile', arguments: {} } };
    const answers = await Promise.all(tokens.map(async (t) => (await post(s.url, t, profile)).json() as Promise<{ result?: { isError?: boolean } }>));
    return { failed: answers.filter((a) => !a.result || a.result.isError).length, outbound: emu.requests.filter((r) => r.endedAt !== undefined) };
  } finally {
    emu.faults.remove(slowToken);
    emu.faults.remove(slowGraph);
  }
}

/** Downstream calls (Graph and DevOps) made for a user, from the bearer tokens the emulator received. */
function downstream(log: RequestLogEntry[], oid: string): RequestLogEntry[] {
  return log.filter((r) => (r.path.startsWith('/v1.0/me') || r.path.startsWith('/devops/')) && JSON.parse(Buffer.from(String(r.headers.authorization ?? '..').split('.')[1] ?? '', 'base64url').toString() || '{}').oid === oid);
}

test('batches: refused for protocol versions without them, capped at MCP_OBO_MAX_BATCH otherwise', async () => {
  const s = await serve();
  const token = await emu.mintUserToken();
  const modern = await post(s.url, token, [call(1), call(2)], { 'mcp-protocol-version': '2025-06-18' });
  assert.equal(modern.status, 400);
  assert.match(((await modern.json()) as { error: { message: string } }).error.message, /not part of MCP 2025-06-18/);
  const big = await post(s.url, token, Array.from({ length: 11 }, (_, i) => call(i)));
  assert.equal(big.status, 400);
  assert.match(((await big.json()) as { error: { message: string } }).error.message, /at most 10/);
  const small = await post(s.url, token, [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' }], { 'mcp-protocol-version': '2025-03-26' });
  assert.equal(small.status, 200);
});

test('the review\'s attack: 20 batches of tool calls from one user make a bounded number of downstream calls; others are unaffected', async () => {
  const s = await serve({ MCP_OBO_RATE_LIMIT: '60', MCP_OBO_RATE_BURST: '20' });
  const attacker = emu.addUser();
  const token = await emu.mintUserToken({ user: attacker });
  emu.requests.length = 0;
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => post(s.url, token, Array.from({ length: 10 }, (_x, j) => call(i * 10 + j)))));
  const statuses = responses.map((r) => r.status);
  const limited = responses.filter((r) => r.status === 429);
  assert.ok(limited.length >= 17, `most batches are refused (${statuses.join(',')})`);
  for (const r of limited) {
    assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /at most 60 per minute per user/);
  }
  // Without limits this was 20 x 10 x 3 = 600 calls; the burst allows 20 messages (2 batches): at most 60,
  // plus the one call a fresh server makes to learn which version of the DevOps profile API the service takes.
  const calls = downstream(emu.requests, attacker.oid).length;
  assert.ok(calls <= 61, `${calls} downstream calls`);
  const other = await post(s.url, await emu.mintUserToken(), call(1));
  assert.equal(other.status, 200, 'another user is not limited by the first one');
  assert.ok(s.logLines().some((l) => l.event === 'http.rate_limited' && l.oid === attacker.oid));
});

test('one user never has more than MCP_OBO_USER_CONCURRENCY downstream calls in flight', async () => {
  const s = await serve({ MCP_OBO_USER_CONCURRENCY: '2' });
  const devopsSlow = emu.faults.add({ path: '^/devops/', delayMs: 150 });
  const graphSlow = emu.faults.add({ path: '^/v1.0/me', delayMs: 150 });
  try {
    const user = emu.addUser({ devopsOrgs: ['contoso'] });
    const token = await emu.mintUserToken({ user });
    emu.requests.length = 0;
    const res = await post(s.url, token, Array.from({ length: 6 }, (_, i) => call(i)));
    assert.equal(res.status, 200);
    const calls = downstream(emu.requests, user.oid).filter((r) => r.endedAt !== undefined);
    assert.ok(calls.length >= 6, `${calls.length} calls`);
    const peak = peakInFlight(calls);
    const t0 = Math.min(...calls.map((c) => c.startedAt));
    assert.ok(peak <= 2, `peak ${peak} concurrent downstream calls for one user: ${calls.map((c) => `${c.path.slice(0, 20)} ${(c.startedAt - t0).toFixed(0)}-${(c.endedAt! - t0).toFixed(0)}`).join('; ')}`);
  } finally {
    emu.faults.remove(devopsSlow);
    emu.faults.remove(graphSlow);
  }
});

test('CORS: only the public origin and MCP_OBO_ALLOWED_ORIGINS; preflight before authentication; loopback is no exception', async () => {
  const plain = await serve();
  const token = await emu.mintUserToken();
  assert.equal((await post(plain.url, token, call(1), { origin: 'http://localhost:6274' })).status, 403, 'an unlisted loopback origin');
  assert.equal((await post(plain.url, token, call(1), { origin: 'https://evil.example' })).status, 403);
  const listed = await serve({ MCP_OBO_ALLOWED_ORIGINS: 'http://localhost:6274' });
  const pre = await fetch(`${listed.url}/mcp`, { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' } });
  assert.equal(pre.status, 204, 'no token needed for a preflight');
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:6274');
  const unauth = await fetch(`${listed.url}/mcp`, { method: 'POST', headers: { origin: 'http://localhost:6274', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(unauth.status, 401);
  assert.match(unauth.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/, 'a browser client can read the challenge');
  const ok = await post(listed.url, token, call(1), { origin: 'http://localhost:6274' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:6274');
});

test('an unsupported Content-Encoding is a 415 with a JSON-RPC error, not a 500; log fields are capped', async () => {
  const s = await serve();
  const token = await emu.mintUserToken();
  const res = await fetch(`${s.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'zstd-fantasy', accept: 'application/json, text/event-stream', 'user-agent': `x${'A'.repeat(5000)}` }, body: '{}' });
  assert.equal(res.status, 415);
  assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32600);
  await fetch(`${s.url}/${'p'.repeat(3000)}`, { headers: { 'user-agent': 'B'.repeat(5000) } });
  await post(s.url, token, Array.from({ length: 8 }, () => ({ jsonrpc: '2.0', id: 1, method: 'm'.repeat(500) })));
  await new Promise((r) => setTimeout(r, 100));
  assert.doesNotMatch(s.output(), /stack|at .*\.js/);
  for (const line of s.output().split('\n').filter(Boolean)) assert.ok(line.length < 1200, `log line of ${line.length} characters`);
});

test('a burst of new users shares MCP_OBO_MAX_CONNECTIONS keep-alive connections to Entra and Graph; nobody fails', async () => {
  const s = await serve({ MCP_OBO_MAX_CONNECTIONS: '4', MCP_OBO_RATE_LIMIT: '0' });
  const { failed, outbound } = await profileBurst(s, 60, 40);
  assert.equal(failed, 0, 'every new user got their profile');
  assert.ok(outbound.length >= 120, `${outbound.length} requests (an exchange and a Graph call per user)`);
  const peak = peakInFlight(outbound);
  // One request per connection at a time (no pipelining): in flight <= connections <= the cap.
  assert.ok(peak <= 4, `peak ${peak} requests in flight to the emulator's origin`);
});

test('MCP_OBO_MAX_ACTIVE: a burst of new users is taken in a few at a time, the rest wait in line; nobody fails', async () => {
  const s = await serve({ MCP_OBO_MAX_ACTIVE: '3', MCP_OBO_MAX_EXCHANGES: '64', MCP_OBO_MAX_CONNECTIONS: '64', MCP_OBO_RATE_LIMIT: '0' });
  const { failed, outbound } = await profileBurst(s, 30, 30);
  assert.equal(failed, 0, 'every new user got their profile');
  assert.ok(outbound.length >= 60, `${outbound.length} requests (an exchange and a Graph call per user)`);
  const peak = peakInFlight(outbound);
  // Each request makes its exchange, then its Graph call: 3 requests at a time are at most 3 outbound calls at a time.
  assert.ok(peak <= 3, `peak ${peak} requests in flight to the emulator's origin`);
});

test("a client that goes away mid-call cancels the call's downstream request and frees the user's slot", async () => {
  const s = await serve({ MCP_OBO_USER_CONCURRENCY: '1' });
  const user = emu.addUser();
  const token = await emu.mintUserToken({ user });
  const profile = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'graph_get_profile', arguments: {} } };
  // Warm the user's Graph token, so the only downstream call left is the one that hangs.
  assert.equal((await post(s.url, token, profile)).status, 200);
  const hang = emu.faults.add({ path: '^/v1.0/me$', hang: true, times: 1 });
  try {
    const gone = new AbortController();
    emu.requests.length = 0;
    const first = fetch(`${s.url}/mcp`, { method: 'POST', signal: gone.signal, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(profile) }).catch((e: Error) => e);
    while (!emu.requests.some((r) => r.path.startsWith('/v1.0/me'))) await new Promise((r) => setTimeout(r, 10));
    gone.abort();
    assert.ok((await first) instanceof Error);
    // The hung Graph request holds the user's only slot until the server gives up on it: at once when the
    // call is cancelled, only after the 10 s outbound timeout otherwise (so this deadline would pass).
    const second = await fetch(`${s.url}/mcp`, { method: 'POST', signal: AbortSignal.timeout(7000), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(profile) })
      .then(async (r) => ({ status: r.status, body: (await r.json()) as { result?: { isError?: boolean } } }));
    assert.equal(second.status, 200);
    assert.equal(second.body.result?.isError, undefined);
  } finally {
    emu.faults.remove(hang);
  }
});
