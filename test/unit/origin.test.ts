import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { isAllowedOrigin, mcpCors } from '../../src/server/origin.ts';

const PUBLIC = 'https://ca-mcp.example.azurecontainerapps.io';
const allowed = new Set([PUBLIC, 'http://localhost:6274']);

test('only the public origin and the listed ones are allowed; loopback origins are no exception', () => {
  for (const o of [PUBLIC, 'http://localhost:6274']) assert.equal(isAllowedOrigin(o, allowed), true, o);
  for (const o of ['http://localhost:3000', 'http://127.0.0.1:6274', 'https://evil.example', `${PUBLIC}.evil.example`, 'null', 'http://localhost:6274/path', `http://${PUBLIC.slice(8)}`]) {
    assert.equal(isAllowedOrigin(o, allowed), false, o);
  }
});

test('CORS on /mcp: preflight answered for allowed origins before anything else, refused for others', async () => {
  const app = express();
  app.use('/mcp', mcpCors(PUBLIC, ['http://localhost:6274']));
  app.all('/mcp', (_req, res) => void res.status(401).set('www-authenticate', 'Bearer').json({}));
  const server = app.listen(0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  try {
    const pre = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:6274');
    assert.match(pre.headers.get('access-control-allow-headers')!, /authorization/);
    const real = await fetch(url, { method: 'POST', headers: { origin: 'http://localhost:6274' } });
    assert.equal(real.status, 401);
    assert.match(real.headers.get('access-control-expose-headers')!, /WWW-Authenticate/);
    assert.match(real.headers.get('access-control-expose-headers')!, /Mcp-Session-Id/);
    const evil = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const local = await fetch(url, { method: 'POST', headers: { origin: 'http://localhost:3000' } });
    assert.equal(local.status, 403, 'an unlisted loopback origin is refused');
    assert.equal((await fetch(url, { method: 'POST' })).status, 401, 'no Origin: not a browser, passes');
  } finally {
    server.close();
  }
});
