/** `npm run emulator` prints one JSON line with what a client needs, and serves until stopped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

test('standalone emulator: one JSON line, a working OIDC discovery, clean stop on SIGTERM', async () => {
  const main = fileURLToPath(new URL('../emulator/main.ts', import.meta.url));
  const proc = spawn(process.execPath, [main], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const info = JSON.parse(out.split('\n')[0]!) as Record<string, string>;
  for (const k of ['url', 'caCertPath', 'tenantId', 'subscriptionId', 'clientId', 'clientSecret', 'identityEndpoint', 'identityHeader']) assert.ok(info[k], k);
  const check = spawn('curl', ['-s', '--cacert', info.caCertPath!, `${info.url}/${info.tenantId}/v2.0/.well-known/openid-configuration`]);
  let body = '';
  check.stdout.setEncoding('utf8').on('data', (d: string) => (body += d));
  await once(check, 'exit');
  assert.equal((JSON.parse(body) as { issuer: string }).issuer, `${info.url}/${info.tenantId}/v2.0`);
  proc.kill('SIGTERM');
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.equal(code, 0);
});
