// The bundled CLI's build checks (.ci/bundle.ts): which installed packages the chunks carry, which chunks
// `serve` loads (what the image keeps), lazy imports of CommonJS modules the bundle cannot serve by name,
// and the roots of the image's SBOM (.ci/image-deps.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundledPackages, closureOf, uncheckedLazyCommonJs } from '../../.ci/bundle.ts';
import { sbomRoots } from '../../.ci/image-deps.ts';

test('bundled packages are named as the lock names them, nested copies included, our own files left out', () => {
  assert.deepEqual(
    bundledPackages(['node_modules/express/lib/express.js', 'node_modules/express/node_modules/qs/lib/index.js', 'node_modules/@azure/msal-node/dist/index.mjs', 'dist/server/app.js', 'node_modules/express/index.js']),
    ['node_modules/@azure/msal-node', 'node_modules/express', 'node_modules/express/node_modules/qs'],
  );
});

test("serve's chunks: main's static imports, then everything the chunk holding the server reaches, lazily or not", () => {
  const out = (inputs: string[], imports: Array<[string, string]>) => ({ inputs: Object.fromEntries(inputs.map((i) => [i, {}])), imports: imports.map(([path, kind]) => ({ path, kind })) });
  const outputs = {
    'dist/bundle/main.js': out(['dist/cli/main.js'], [['dist/bundle/chunk-shared.js', 'import-statement'], ['dist/bundle/chunk-serve.js', 'dynamic-import'], ['dist/bundle/chunk-provision.js', 'dynamic-import']]),
    'dist/bundle/chunk-shared.js': out(['node_modules/commander/index.js'], []),
    'dist/bundle/chunk-serve.js': out(['dist/server/serve.js'], [['dist/bundle/chunk-app.js', 'dynamic-import']]),
    'dist/bundle/chunk-app.js': out(['node_modules/express/index.js', 'dist/server/app.js'], [['dist/bundle/chunk-shared.js', 'import-statement']]),
    'dist/bundle/chunk-provision.js': out(['node_modules/@azure/identity/dist/index.js'], []),
  };
  assert.deepEqual(closureOf(outputs, 'dist/bundle/main.js', 'dist/server/serve.js'), {
    chunks: ['chunk-app.js', 'chunk-serve.js', 'chunk-shared.js', 'main.js'],
    packages: ['node_modules/commander', 'node_modules/express'],
  });
  assert.throws(() => closureOf(outputs, 'dist/bundle/main.js', 'dist/server/nowhere.js'), /in no chunk/);
});

test('a lazy import of a CommonJS module is refused unless it is one checked by hand', () => {
  const inputs = {
    'dist/server/start.js': { imports: [{ path: 'node_modules/express/index.js', kind: 'dynamic-import', original: 'express' }] },
    'dist/new/feature.js': { imports: [{ path: 'node_modules/express/index.js', kind: 'dynamic-import', original: 'express' }, { path: 'node_modules/jose/index.js', kind: 'dynamic-import', original: 'jose' }, { path: 'node_modules/express/index.js', kind: 'import-statement', original: 'express' }] },
    'node_modules/express/index.js': { format: 'cjs', imports: [] },
    'node_modules/jose/index.js': { format: 'esm', imports: [] },
  };
  assert.deepEqual(uncheckedLazyCommonJs(inputs), ['dist/new/feature.js -> express']);
});

test("the SBOM's roots: the server's dependencies and the top-level bundled packages, once each", () => {
  assert.deepEqual(sbomRoots(['express', 'jose'], ['node_modules/express', 'node_modules/express/node_modules/qs', 'node_modules/@hono/node-server']), ['@hono/node-server', 'express', 'jose']);
});
