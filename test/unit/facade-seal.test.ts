import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSealer, UnsealError } from '../../src/server/facade/seal.ts';
import { parseFacadeKey } from '../../src/server/facade/key.ts';
import { DEFAULT_REDIRECT_URIS, parseRedirectAllowList, redirectAllowed, RedirectUriError } from '../../src/server/facade/redirects.ts';
import { checkClientIdUrl, isPublicAddress } from '../../src/server/facade/cimd.ts';

const key = () => randomBytes(32);

async function refused(p: Promise<unknown>, reason: UnsealError['reason']) {
  await assert.rejects(p, (err: unknown) => err instanceof UnsealError && err.reason === reason);
}

test('sealed values round-trip, and are refused when tampered, expired, of another purpose or another key', async () => {
  let now = Date.UTC(2026, 10, 27);
  const k = key();
  const sealer = createSealer(k, undefined, () => now);
  const sealed = await sealer.seal('code', { e: 'entra-code', c: 'client-a' }, 300);
  assert.deepEqual((await sealer.unseal('code', sealed)).e, 'entra-code');
  assert.doesNotMatch(sealed, /entra-code|client-a/, 'the content is encrypted, not only signed');

  const parts = sealed.split('.');
  const flipped = parts[3]!.slice(0, -2) + (parts[3]!.at(-2) === 'A' ? 'B' : 'A') + parts[3]!.at(-1);
  await refused(sealer.unseal('code', [...parts.slice(0, 3), flipped, parts[4]].join('.')), 'tampered');
  await refused(sealer.unseal('refresh', sealed), 'wrong_purpose');
  await refused(createSealer(key()).unseal('code', sealed), 'unknown_key');
  await refused(sealer.unseal('code', 'not.a.sealed.value'), 'malformed');
  now += 301_000;
  await refused(sealer.unseal('code', sealed), 'expired');
});

test('rotation: the previous key still opens what it sealed; new values use the new key', async () => {
  const [oldKey, newKey] = [key(), key()];
  const before = await createSealer(oldKey).seal('refresh', { e: 'rt' });
  const rotated = createSealer(newKey, oldKey);
  assert.equal((await rotated.unseal('refresh', before)).e, 'rt');
  const after = await rotated.seal('refresh', { e: 'rt2' });
  await refused(createSealer(oldKey).unseal('refresh', after), 'unknown_key');
  await refused(createSealer(key(), newKey).unseal('refresh', before), 'unknown_key', );
});

test('facade keys are exactly 32 bytes of base64', () => {
  assert.equal(parseFacadeKey(randomBytes(32).toString('base64'))?.length, 32);
  assert.equal(parseFacadeKey(randomBytes(32).toString('base64url'))?.length, 32);
  assert.equal(parseFacadeKey(randomBytes(31).toString('base64')), undefined);
  assert.equal(parseFacadeKey('hunter2'), undefined);
});

test('redirect URIs: loopback on any port, the allow-list, a metadata document’s own origin; nothing else', () => {
  const list = parseRedirectAllowList(undefined);
  assert.deepEqual(list, [...DEFAULT_REDIRECT_URIS]);
  for (const ok of ['http://127.0.0.1:33418/', 'http://localhost:6274/oauth/callback', 'http://[::1]:9000/cb', 'https://vscode.dev/redirect', 'https://claude.ai/api/mcp/auth_callback', 'cursor://anysphere.cursor-mcp/oauth/callback', 'https://chatgpt.com/connector/oauth/abc_123']) {
    assert.ok(redirectAllowed(ok, list), ok);
  }
  for (const bad of [
    'https://attacker.example/cb', 'http://evil.example/cb', 'https://vscode.dev/redirect/', 'https://vscode.dev/redirect?next=x', 'https://chatgpt.com/connector/oauth/a/b',
    'https://chatgpt.com/connector/oauth/..', 'https://chatgpt.com/connector/oauth/x?y', 'http://127.0.0.1:1/cb#frag', 'http://user:pw@127.0.0.1/cb', 'cursor://evil/oauth/callback', 'javascript:alert(1)', 'not a url',
  ]) {
    assert.ok(!redirectAllowed(bad, list), bad);
  }
  assert.ok(redirectAllowed('https://client.example/cb', list, 'https://client.example'));
  assert.ok(!redirectAllowed('https://client.example.evil.com/cb', list, 'https://client.example'));
  assert.ok(!redirectAllowed('http://client.example/cb', list, 'https://client.example'));
  assert.throws(() => parseRedirectAllowList('http://intranet.contoso/cb'), RedirectUriError);
  assert.throws(() => parseRedirectAllowList('https://x.example/cb#f'), RedirectUriError);
  assert.deepEqual(parseRedirectAllowList('myapp://cb'), ['myapp://cb'], 'a list replaces the defaults');
});

test('client metadata documents: https URLs with a path only, and never from non-public addresses', () => {
  assert.equal(checkClientIdUrl('https://client.example/meta.json').hostname, 'client.example');
  for (const bad of ['http://client.example/meta.json', 'https://client.example/', 'https://client.example/a#f', 'https://u:p@client.example/a', 'https://client.example/a/../b']) {
    assert.throws(() => checkClientIdUrl(bad), bad);
  }
  for (const priv of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '::']) {
    assert.equal(isPublicAddress(priv), false, priv);
  }
  for (const pub of ['20.1.2.3', '8.8.8.8', '2606:4700::1111', '::ffff:20.1.2.3']) assert.equal(isPublicAddress(pub), true, pub);
});
