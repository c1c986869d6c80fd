/** `deploy --context DIR`: what goes into the build context, and what never does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildContext } from '../../src/deploy/context.ts';
import { isSecretFile } from '../../src/deploy/secret-files.ts';

/** Entry names of a (gzip'd, ustar) archive. */
function names(archive: Buffer): string[] {
  const tar = gunzipSync(archive);
  const out: string[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const prefix = tar.subarray(off + 345, off + 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    out.push(prefix ? `${prefix}/${name}` : name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out.sort();
}

const SECRETS = ['.env', '.env.production', '.envrc', '.npmrc', '.docker/config.json', 'keys/server.pem', 'certs/tls.key', 'id_rsa', 'id_ed25519.pub', 'cert.pfx', 'mcp-obo.contoso-dev.json', '.azure/msal_token_cache.json', '.aws/credentials', 'infra/terraform.tfstate'];
const KEPT = ['Dockerfile', 'server.js', 'package.json', 'certs/ca.crt', 'docs/env.md', 'src/keyboard.js'];

async function folder(dockerignore?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-ctx-'));
  for (const f of [...SECRETS, ...KEPT]) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await writeFile(join(dir, f), f === 'Dockerfile' ? 'FROM scratch\nCOPY . /\n' : `contents of ${f}\n`);
  }
  if (dockerignore !== undefined) await writeFile(join(dir, '.dockerignore'), dockerignore);
  return dir;
}

test('without a .dockerignore, secret-bearing files are left out and listed; the rest goes in', async () => {
  const ctx = await buildContext({ contextDir: await folder() });
  assert.deepEqual(names(ctx.archive), [...KEPT].sort());
  assert.deepEqual(ctx.files, [...KEPT].sort());
  assert.deepEqual(ctx.excluded, [...SECRETS].sort());
});

test('a .dockerignore cannot bring them back with `!`; what it ignores itself is not listed as ours', async () => {
  const ctx = await buildContext({ contextDir: await folder('docs\n!.env\n!.npmrc\n!keys/server.pem\n!.docker/config.json\n') });
  const inside = names(ctx.archive);
  for (const s of SECRETS) assert.ok(!inside.includes(s), `${s} is not in the context`);
  assert.ok(inside.includes('.dockerignore') && inside.includes('server.js') && !inside.includes('docs/env.md'));
  assert.deepEqual(ctx.excluded, [...SECRETS].sort());
});

test('the bundled server context has nothing to leave out', async () => {
  const ctx = await buildContext({});
  assert.deepEqual(ctx.excluded, []);
  assert.ok(ctx.files.includes('Dockerfile'));
});

test('the deny list by name and by path', () => {
  for (const f of ['.env', 'a/.env.local', '.yarnrc.yml', '_netrc', 'x/id_ecdsa', 'k.P12', 'a/.ssh/config', '.kube/config', '.config/gcloud/credentials.db', 'deploy/mcp-obo.acme-prd.json']) assert.ok(isSecretFile(f), f);
  for (const f of ['environment.ts', 'src/env.ts', 'docs/keys.md', 'ca.crt', 'mcp-obo.json', 'docker/config.json', 'ssh.md']) assert.ok(!isSecretFile(f), f);
});
