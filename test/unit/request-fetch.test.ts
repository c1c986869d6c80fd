/** The lean fetch over undici's request API behaves as fetch does where the server relies on it. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Agent, fetch as undiciFetch } from 'undici';
import { requestFetch } from '../../src/server/request-fetch.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let here: Server;
let there: Server;
let hereUrl: string;
let thereUrl: string;
const seen: Seen[] = [];
const agent = new Agent({ headersTimeout: 300 });
let fallbackCalls = 0;
let endlessClosed = false;
const lean = requestFetch(agent, ((input: string | URL, init?: RequestInit) => {
  fallbackCalls++;
  return undiciFetch(input as string, { ...(init as object), dispatcher: agent });
}) as unknown as typeof fetch);

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  const u = new URL(req.url!, 'http://x');
  const to = u.searchParams.get('to');
  if (u.pathname === '/redirect') return void res.writeHead(Number(u.searchParams.get('status')), { location: to === 'there' ? `${thereUrl}/echo` : '/echo' }).end('moved');
  if (u.pathname === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
  if (u.pathname === '/gzip') return void res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' }).end(gzipSync('{"zipped":true}'));
  if (u.pathname === '/empty') return void res.writeHead(204).end();
  if (u.pathname === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 2000);
  if (u.pathname === '/endless') {
    // 400 KB, then nothing more and no end: only a streamed body can be read.
    res.writeHead(200, { 'content-type': 'text/plain' }).write(Buffer.alloc(400 * 1024, 'a'));
    req.socket.once('close', () => (endlessClosed = true));
    return;
  }
  if (u.pathname === '/gzip-big') return void res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }).end(gzipSync(Buffer.alloc(1024 * 1024, 'b')));
  res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end(JSON.stringify({ method: req.method, body }));
}

function listen(): Promise<[Server, string]> {
  const s = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => route(req, res, body));
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve([s, `http://127.0.0.1:${(s.address() as { port: number }).port}`])));
}

before(async () => {
  [here, hereUrl] = await listen();
  // Another origin: same host, another port.
  [there, thereUrl] = await listen();
});
after(async () => {
  here.closeAllConnections();
  there.closeAllConnections();
  here.close();
  there.close();
  await agent.close();
});

test('a GET answers with status, headers, body and url, and asks for any type by default', async () => {
  seen.length = 0;
  const res = await lean(`${hereUrl}/echo?q=1`, { headers: { Authorization: 'Bearer t', 'X-Two': 'b' } });
  assert.equal(res.status, 200);
  assert.equal(res.ok, true);
  assert.equal(res.url, `${hereUrl}/echo?q=1`);
  assert.equal(res.redirected, false);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
  assert.deepEqual(await res.json(), { method: 'GET', body: '' });
  assert.equal(seen[0]!.headers.authorization, 'Bearer t');
  assert.equal(seen[0]!.headers['x-two'], 'b');
  assert.equal(seen[0]!.headers.accept, '*/*');
  assert.equal(seen[0]!.headers['accept-encoding'], undefined, 'nothing advertised the caller did not ask for');
});

test('bodies get the content type fetch gives them; a Headers object and a lower-case method work', async () => {
  seen.length = 0;
  await lean(`${hereUrl}/echo`, { method: 'post', body: new URLSearchParams({ a: '1', b: 'x y' }) });
  await lean(`${hereUrl}/echo`, { method: 'PUT', body: 'plain', headers: new Headers({ 'content-type': 'application/json' }) });
  await lean(`${hereUrl}/echo`, { method: 'POST', body: new TextEncoder().encode('bytes') });
  assert.equal(seen[0]!.method, 'POST');
  assert.equal(seen[0]!.body, 'a=1&b=x+y');
  assert.equal(seen[0]!.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
  assert.equal(seen[1]!.headers['content-type'], 'application/json', "the caller's type wins");
  assert.equal(seen[1]!.body, 'plain');
  assert.equal(seen[2]!.body, 'bytes');
  assert.equal(seen[2]!.headers['content-type'], undefined);
});

test('a 303 after a POST becomes a GET without the body; a 307 repeats the POST', async () => {
  seen.length = 0;
  const res = await lean(`${hereUrl}/redirect?status=303`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
  assert.equal(res.redirected, true);
  assert.equal(res.url, `${hereUrl}/echo`);
  assert.deepEqual(await res.json(), { method: 'GET', body: '' });
  assert.equal(seen[1]!.headers['content-type'], undefined);
  seen.length = 0;
  assert.deepEqual(await (await lean(`${hereUrl}/redirect?status=307`, { method: 'POST', body: 'payload' })).json(), { method: 'POST', body: 'payload' });
});

test("a redirect to another origin does not carry the user's token; one on the same origin does", async () => {
  seen.length = 0;
  await lean(`${hereUrl}/redirect?status=302&to=there`, { headers: { authorization: 'Bearer secret-token', cookie: 'c=1', accept: 'application/json' } });
  assert.equal(seen[1]!.headers.authorization, undefined);
  assert.equal(seen[1]!.headers.cookie, undefined);
  assert.equal(seen[1]!.headers.accept, 'application/json');
  seen.length = 0;
  await lean(`${hereUrl}/redirect?status=302`, { headers: { authorization: 'Bearer secret-token' } });
  assert.equal(seen[1]!.headers.authorization, 'Bearer secret-token');
});

test("redirect: 'manual' returns the redirect, 'error' fails, and an endless loop stops after 20", async () => {
  const manual = await lean(`${hereUrl}/redirect?status=302`, { redirect: 'manual' });
  assert.equal(manual.status, 302);
  assert.equal(manual.headers.get('location'), '/echo');
  await assert.rejects(lean(`${hereUrl}/redirect?status=302`, { redirect: 'error' }), (err: Error) => err instanceof TypeError && err.message === 'fetch failed');
  seen.length = 0;
  await assert.rejects(lean(`${hereUrl}/loop`), (err: Error) => err instanceof TypeError && /redirect count/.test(String((err.cause as Error).message)));
  assert.equal(seen.length, 21);
});

test('a compressed answer is decoded when the caller asked for it; 204 and HEAD have no body', async () => {
  assert.deepEqual(await (await lean(`${hereUrl}/gzip`, { headers: { 'accept-encoding': 'gzip' } })).json(), { zipped: true });
  const empty = await lean(`${hereUrl}/empty`);
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
  const head = await lean(`${hereUrl}/echo`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('failures look like fetch failures: refused, timed out (undici code kept), aborted', async () => {
  const closed = await listen();
  closed[0].close();
  await assert.rejects(lean(`${closed[1]}/echo`), (err: Error) => err instanceof TypeError && (err.cause as { code?: string }).code === 'ECONNREFUSED');
  await assert.rejects(lean(`${hereUrl}/slow`), (err: Error) => err instanceof TypeError && /TIMEOUT/.test(String((err.cause as { code?: string }).code)));
  const reason = new Error('caller gave up');
  await assert.rejects(lean(`${hereUrl}/slow`, { signal: AbortSignal.abort(reason) }), (err: unknown) => err === reason);
});

test('a Request object or a streamed body goes to the full fetch', async () => {
  const before = fallbackCalls;
  await lean(new Request(`${hereUrl}/echo`));
  const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('s')), c.close()) });
  await lean(`${hereUrl}/echo`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  assert.equal(fallbackCalls - before, 2);
  assert.deepEqual(seen.at(-1)!.body, 's');
});

test('a large answer streams: a reader that stops early ends the download, and it is never held whole', { timeout: 10_000 }, async () => {
  const res = await lean(`${hereUrl}/endless`);
  const reader = res.body!.getReader();
  let read = 0;
  while (read < 300 * 1024) read += (await reader.read()).value!.length;
  await reader.cancel();
  for (let i = 0; i < 100 && !endlessClosed; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(endlessClosed, true, 'the connection is given up');
  const big = await lean(`${hereUrl}/gzip-big`, { headers: { 'accept-encoding': 'gzip' } });
  const text = await big.text();
  assert.equal(text.length, 1024 * 1024);
  assert.ok(/^b+$/.test(text));
});
