/**
 * Bundles the compiled CLI (dist/cli/main.js and everything it imports, dependencies included) into
 * dist/bundle/: ES module chunks, split at every dynamic import, so a command loads only what it
 * uses and `serve` still loads the app after listening, in the same steps (src/server/start.ts).
 * Why: Node resolves, reads and links about a thousand files to serve the first call; from a few
 * chunks the server answers its first call about a quarter sooner (bench section 2), and every
 * command starts faster. Not minified (stack traces stay readable; each module keeps its
 * `// dist/...` or `// node_modules/...` heading). dist/bundle/serve.json names the chunks `serve`
 * loads and the packages whose code they hold: the image keeps only those chunks (Dockerfile) and
 * its SBOM lists those packages (.ci/image-deps.ts).
 * Run by `npm run build` after tsc; bin/mcp-obo loads dist/bundle/main.js.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The installed packages whose code the bundle holds, as npm's lock names them (`node_modules/a`,
 * `node_modules/a/node_modules/b`), sorted; from esbuild's input paths (relative to the root).
 */
export function bundledPackages(inputs: Iterable<string>): string[] {
  const paths = new Set<string>();
  for (const input of inputs) {
    const m = /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/.exec(input);
    if (m) paths.add(m[1]!.slice(0, -1));
  }
  return [...paths].sort();
}

/**
 * Lazily imported CommonJS modules, each checked by hand: the bundle gives such an import only
 * `default` (module.exports), where Node also offers the named exports. Code must read them from
 * `.default`, which works in both, or only load the module (start.ts preloads the app's packages).
 */
const LAZY_COMMONJS: Record<string, readonly string[]> = {
  'dist/server/start.js': ['express', 'undici', '@microsoft/microsoft-graph-client'],
  'dist/azure/clients.js': ['@azure/arm-authorization', '@azure/arm-dns'],
  'dist/graph/client.js': ['@microsoft/microsoft-graph-client'],
  'dist/deploy/context.js': ['@balena/dockerignore'],
};

/** `import()`s of CommonJS modules not in LAZY_COMMONJS, as `from -> specifier`. */
export function uncheckedLazyCommonJs(inputs: Record<string, { format?: string; imports: Array<{ path: string; kind: string; original?: string }> }>): string[] {
  const found: string[] = [];
  for (const [from, input] of Object.entries(inputs)) {
    for (const i of input.imports) {
      if (i.kind !== 'dynamic-import' || inputs[i.path]?.format !== 'cjs') continue;
      if (!LAZY_COMMONJS[from]?.includes(i.original ?? '')) found.push(`${from} -> ${i.original ?? i.path}`);
    }
  }
  return found;
}

type Outputs = Record<string, { imports: Array<{ path: string; kind: string }>; inputs: Record<string, unknown> }>;

/**
 * What `serve` loads: the chunks reachable from main.js through static imports, and from the chunk
 * holding `module` through any import (it loads the app lazily), with the packages their code
 * comes from. The image keeps only these (Dockerfile) and its SBOM lists those packages.
 */
export function closureOf(outputs: Outputs, main: string, module: string): { chunks: string[]; packages: string[] } {
  const seen = new Set<string>();
  const visit = (out: string, lazyToo: boolean) => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const i of outputs[out]!.imports) if (outputs[i.path] && (lazyToo || i.kind === 'import-statement')) visit(i.path, lazyToo);
  };
  visit(main, false);
  const holder = Object.keys(outputs).find((o) => module in outputs[o]!.inputs);
  if (!holder) throw new Error(`${module} is in no chunk`);
  visit(holder, true);
  const chunks = [...seen].sort();
  return { chunks: chunks.map((c) => c.slice(c.lastIndexOf('/') + 1)), packages: bundledPackages(chunks.flatMap((c) => Object.keys(outputs[c]!.inputs))) };
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const outdir = join(root, 'dist', 'bundle');
  const result = await build({
    entryPoints: { main: join(root, 'dist', 'cli', 'main.js') },
    outdir,
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies call require() for Node's built-in modules; an ES module has no require of its own.
    banner: { js: "import { createRequire as __mcpOboCreateRequire } from 'node:module';\nconst require = __mcpOboCreateRequire(import.meta.url);" },
  });
  const unchecked = uncheckedLazyCommonJs(result.metafile.inputs);
  if (unchecked.length) {
    throw new Error(`import() of CommonJS modules, whose named exports the bundle does not provide:\n  ${unchecked.join('\n  ')}\nRead them from \`(await import(...)).default\` (module.exports in Node and in the bundle), then list them in LAZY_COMMONJS in .ci/bundle.ts.`);
  }
  const serve = closureOf(result.metafile.outputs, 'dist/bundle/main.js', 'dist/server/serve.js');
  writeFileSync(join(outdir, 'serve.json'), `${JSON.stringify(serve, null, 2)}\n`);
  const chunks = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
  const bytes = (files: string[]) => (files.reduce((n, f) => n + result.metafile.outputs[f]!.bytes, 0) / 1048576).toFixed(1);
  process.stdout.write(`${join('dist', 'bundle')}: ${chunks.length} chunks, ${bytes(chunks)} MB; serve loads ${serve.chunks.length} of them, ${bytes(serve.chunks.map((c) => `dist/bundle/${c}`))} MB, code of ${serve.packages.length} packages\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
