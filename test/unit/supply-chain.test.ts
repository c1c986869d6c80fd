// The build's supply-chain tools: the image's pruned lock (.ci/image-deps.ts), the lock checks CI runs when the
// advisory endpoint is out of reach (.ci/audit.ts), and the base image digest refresh (.ci/base-image-pin.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { imageManifest, type Lock, pruneLock, resolveFrom } from '../../.ci/image-deps.ts';
import { imageProblems, lockProblems } from '../../.ci/audit.ts';
import { currentDigest, readBaseRef, withDigest } from '../../.ci/base-image-pin.ts';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('npm-shrinkwrap.json', root), 'utf8')) as Lock;

test('the image lock is closed: every dependency of every kept package resolves inside it, at the same place and version', () => {
  const pruned = pruneLock(lock, pkg.serverDependencies);
  for (const [path, e] of Object.entries(pruned.packages)) {
    if (path !== '') assert.deepEqual({ ...e }, Object.fromEntries(Object.entries(lock.packages[path]!).filter(([k]) => k !== 'dev' && k !== 'devOptional')), path);
    for (const dep of Object.keys(e.dependencies ?? {})) assert.ok(resolveFrom(pruned.packages, path, dep), `${dep} of ${path || 'the root'}`);
  }
  const names = Object.keys(pruned.packages).map((p) => p.slice(p.lastIndexOf('node_modules/') + 13));
  for (const server of pkg.serverDependencies) assert.ok(names.includes(server), server);
  for (const cli of ['@azure/identity', '@azure/arm-appcontainers', '@inquirer/prompts', 'execa', 'tar']) assert.ok(!names.includes(cli), cli);
  assert.ok(!Object.values(pruned.packages).some((e) => e.dev), 'no dev packages');
  assert.deepEqual(pruned.packages['']!.dependencies, imageManifest(pkg, lock).dependencies);
});

test('a nested copy is found from its parent before the hoisted one', () => {
  const packages = { '': {}, 'node_modules/a': {}, 'node_modules/b': {}, 'node_modules/a/node_modules/b': {} } as Lock['packages'];
  assert.equal(resolveFrom(packages, 'node_modules/a', 'b'), 'node_modules/a/node_modules/b');
  assert.equal(resolveFrom(packages, 'node_modules/a/node_modules/b', 'a'), 'node_modules/a');
  assert.equal(resolveFrom(packages, '', 'c'), undefined);
});

test('imageManifest refuses a server dependency the CLI does not declare', () => {
  assert.throws(() => imageManifest({ ...pkg, serverDependencies: ['left-pad'] }, lock), /serverDependencies not in dependencies: left-pad/);
});

test('lock checks: registry origin, sha512 integrity, no git/file specs, no install scripts', () => {
  assert.deepEqual(lockProblems(lock, 'shipped'), []);
  const bad: Lock = {
    name: 'x', version: '1.0.0', lockfileVersion: 3,
    packages: {
      '': { dependencies: { evil: 'git+https://example.com/evil.git' } },
      'node_modules/evil': { version: '1.0.0', resolved: 'https://example.com/evil.tgz', integrity: 'sha1-abc' },
      'node_modules/hook': { version: '2.0.0', integrity: 'sha512-x', hasInstallScript: true },
      'node_modules/devtool': { version: '3.0.0', dev: true },
    },
  };
  assert.deepEqual(lockProblems(bad, 'l'), [
    'l: evil comes from git+https://example.com/evil.git, not the registry',
    'l: evil resolves to https://example.com/evil.tgz',
    'l: evil@1.0.0 has no sha512 integrity',
    'l: hook@2.0.0 runs an install script',
  ]);
});

test('the image lock must be a part of the tested lock, and its SBOM must list what the image holds, installed or bundled', () => {
  const pruned = pruneLock(lock, pkg.serverDependencies);
  const component = (p: string, version: unknown) => { const n = p.slice(p.lastIndexOf('node_modules/') + 13); const at = n.lastIndexOf('/'); return { group: at > 0 ? n.slice(0, at) : undefined, name: at > 0 ? n.slice(at + 1) : n, version: String(version) }; };
  const sbom = { components: Object.entries(pruned.packages).filter(([p]) => p).map(([p, e]) => component(p, e.version)) };
  assert.deepEqual(imageProblems(lock, pruned, sbom), []);
  const drifted = structuredClone(pruned);
  drifted.packages['node_modules/express']!.version = '9.9.9';
  assert.match(imageProblems(lock, drifted, sbom).join('\n'), /node_modules\/express@9\.9\.9 differs/);
  assert.match(imageProblems(lock, pruned, { components: sbom.components.slice(1) }).join('\n'), /SBOM: does not list/);
  // A package bundled into the image's chunks must be listed too; a component the lock does not have must not.
  const prompts = 'node_modules/@inquirer/prompts';
  assert.ok(!pruned.packages[prompts], 'the prompts are the CLI\'s, not installed in the image');
  assert.match(imageProblems(lock, pruned, sbom, [prompts]).join('\n'), /SBOM: does not list @inquirer\/prompts@/);
  assert.deepEqual(imageProblems(lock, pruned, { components: [...sbom.components, component(prompts, lock.packages[prompts]!.version)] }, [prompts]), []);
  assert.match(imageProblems(lock, pruned, { components: [...sbom.components, component('node_modules/evil', '6.6.6')] }).join('\n'), /lists evil@6\.6\.6, which npm-shrinkwrap.json does not lock/);
});

test('base-image:pin reads the pinned reference and rewrites only its digest', () => {
  const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
  const ref = readBaseRef(dockerfile);
  assert.deepEqual([ref.host, ref.name, ref.tag], ['mcr.microsoft.com', 'mirror/docker/library/node', '24-bookworm-slim']);
  const next = withDigest(dockerfile, `sha256:${'a'.repeat(64)}`);
  assert.equal(readBaseRef(next).digest, `sha256:${'a'.repeat(64)}`);
  assert.equal(next.replace(/sha256:a{64}/, ref.digest), dockerfile);
});

test('base-image:pin asks the registry for the tag\'s digest, with an anonymous token when challenged', async () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    if (req.url?.startsWith('/token')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"anon"}');
    if (req.headers.authorization !== 'Bearer anon') return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${(server.address() as AddressInfo).port}/token",service="registry.test",scope="repository:library/node:pull"` }).end();
    assert.match(String(req.headers.accept), /application\/vnd\.oci\.image\.index\.v1\+json/);
    res.writeHead(200, { 'docker-content-digest': digest }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const viaLocal: typeof fetch = (input, init) => fetch(String(input).replace('https://registry.test', `http://127.0.0.1:${port}`), init);
    assert.equal(await currentDigest({ host: 'registry.test', name: 'library/node', tag: '24-bookworm-slim', digest: '' }, viaLocal), digest);
    assert.deepEqual(seen.map((s) => s.split(' ').slice(0, 2).join(' ')), ['HEAD /v2/library/node/manifests/24-bookworm-slim', 'GET /token?service=registry.test&scope=repository%3Alibrary%2Fnode%3Apull', 'HEAD /v2/library/node/manifests/24-bookworm-slim']);
  } finally {
    server.close();
  }
});
