import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowedOrigin } from '../../src/server/origin.ts';

const PUBLIC = 'https://ca-mcp.example.azurecontainerapps.io';

test('the public origin and loopback origins on any port are allowed', () => {
  for (const o of [PUBLIC, 'http://localhost:6274', 'http://127.0.0.1:3000', 'https://localhost', 'http://[::1]:8080']) {
    assert.equal(isAllowedOrigin(o, PUBLIC), true, o);
  }
});

test('other sites, look-alikes and malformed origins are refused', () => {
  for (const o of ['https://evil.example', `${PUBLIC}.evil.example`, 'http://localhost.evil.example', 'null', 'file://', 'http://localhost:6274/path', 'javascript:alert(1)', `http://${PUBLIC.slice(8)}`]) {
    assert.equal(isAllowedOrigin(o, PUBLIC), false, o);
  }
});
