/**
 * The container image's dependency set: `serve` needs a handful of the CLI's dependencies, so the
 * image installs only those. From package.json's `serverDependencies` and the tested lock file
 * (npm-shrinkwrap.json) this writes dist/image/package.json and dist/image/npm-shrinkwrap.json,
 * the lock pruned to what those packages reach (same versions, same integrity hashes, same
 * places in node_modules), and dist/image/sbom.cdx.json, a CycloneDX SBOM of that set and of the
 * packages whose code the image's chunks of the bundled CLI carry (dist/bundle/serve.json, from .ci/bundle.ts).
 * Run by `npm run build`; the Dockerfile copies the three files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  [k: string]: unknown;
}

export interface Lock {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

interface Manifest {
  name: string;
  version: string;
  license?: string;
  type?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
  serverDependencies?: string[];
}

/** Where Node finds package `name` required from the package installed at `from` (its node_modules, then its parents'). */
export function resolveFrom(packages: Lock['packages'], from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('node_modules/');
    dir = cut <= 0 ? '' : dir.slice(0, cut - 1);
  }
}

/** The lock limited to what `roots` reach (dependencies, optional ones when locked, required peers). */
export function pruneLock(lock: Lock, roots: string[]): Lock {
  const keep = new Set<string>();
  const queue: Array<[from: string, name: string, required: boolean]> = roots.map((r) => ['', r, true]);
  for (let item = queue.shift(); item; item = queue.shift()) {
    const [from, name, required] = item;
    const at = resolveFrom(lock.packages, from, name);
    if (!at) {
      if (required) throw new Error(`${name} (needed by ${from || 'the server'}) is not in the lock file: run npm install`);
      continue;
    }
    if (keep.has(at)) continue;
    keep.add(at);
    const e = lock.packages[at]!;
    for (const d of Object.keys(e.dependencies ?? {})) queue.push([at, d, true]);
    for (const d of Object.keys(e.optionalDependencies ?? {})) queue.push([at, d, false]);
    for (const d of Object.keys(e.peerDependencies ?? {})) queue.push([at, d, !e.peerDependenciesMeta?.[d]?.optional]);
  }
  const root = lock.packages['']!;
  const dependencies = Object.fromEntries(roots.map((r) => [r, root.dependencies?.[r] ?? root.optionalDependencies?.[r] ?? '*']));
  const packages: Lock['packages'] = { '': { name: lock.name, version: lock.version, license: root.license, dependencies, engines: root.engines } };
  for (const path of [...keep].sort()) {
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[path]!;
    packages[path] = entry;
  }
  return { name: lock.name, version: lock.version, lockfileVersion: lock.lockfileVersion, requires: true, packages };
}

/** The image's package.json: what `serve` needs to run (ESM, the bin, the engines) and nothing else. */
export function imageManifest(pkg: Manifest, lock: Lock): Manifest {
  const roots = pkg.serverDependencies ?? [];
  if (roots.length === 0) throw new Error('package.json has no serverDependencies');
  const missing = roots.filter((r) => !pkg.dependencies[r]);
  if (missing.length) throw new Error(`serverDependencies not in dependencies: ${missing.join(', ')}`);
  return { name: pkg.name, version: pkg.version, license: pkg.license, type: pkg.type, bin: pkg.bin, engines: pkg.engines, dependencies: (pruneLock(lock, roots).packages[''] as { dependencies: Record<string, string> }).dependencies };
}

/** The lock paths of the packages whose code the image's chunks of dist/bundle hold (written by .ci/bundle.ts). */
function bundledIn(root: string): string[] {
  return (JSON.parse(readFileSync(join(root, 'dist', 'bundle', 'serve.json'), 'utf8')) as { packages: string[] }).packages;
}

/** The SBOM's roots: the server's dependencies and every top-level bundled package (nested ones are reached through their parents). */
export function sbomRoots(serverDependencies: readonly string[], bundled: readonly string[]): string[] {
  const top = bundled.filter((p) => p.lastIndexOf('node_modules/') === 0).map((p) => p.slice('node_modules/'.length));
  return [...new Set([...serverDependencies, ...top])].sort();
}

function main(): void {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(join(root, 'npm-shrinkwrap.json'), 'utf8')) as Lock;
  const out = join(root, 'dist', 'image');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(imageManifest(pkg, lock), null, 2)}\n`);
  writeFileSync(join(out, 'npm-shrinkwrap.json'), `${JSON.stringify(pruneLock(lock, pkg.serverDependencies!), null, 2)}\n`);
  // The SBOM covers what the image holds: the packages installed in node_modules and the ones whose code
  // the image's chunks of the bundled CLI carry (.ci/bundle.ts), with everything they depend on.
  const sbomLock = pruneLock(lock, sbomRoots(pkg.serverDependencies!, bundledIn(root)));
  const scratch = mkdtempSync(join(tmpdir(), 'mcp-obo-sbom-'));
  try {
    writeFileSync(join(scratch, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, license: pkg.license, dependencies: sbomLock.packages['']!.dependencies }, null, 2)}\n`);
    writeFileSync(join(scratch, 'npm-shrinkwrap.json'), JSON.stringify(sbomLock));
    // npm's own CycloneDX writer (npm >= 10), from the pruned lock alone: no install, no network.
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const sbom = execFileSync(npm[0]!, [...npm.slice(1), 'sbom', '--sbom-format', 'cyclonedx', '--package-lock-only', '--omit', 'dev'], { cwd: scratch, encoding: 'utf8' });
    writeFileSync(join(out, 'sbom.cdx.json'), sbom);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const count = Object.keys(pruneLock(lock, pkg.serverDependencies!).packages).length - 1;
  process.stdout.write(`${join('dist', 'image')}: ${count} of ${Object.keys(lock.packages).length - 1} locked packages for the server image\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
