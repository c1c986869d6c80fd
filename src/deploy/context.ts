/**
 * The build context sent to the registry: the package's own Dockerfile and compiled server, or a
 * user's folder (`--context`) filtered by its .dockerignore and, on top of it, by the built-in list
 * of secret-bearing files (secret-files.ts), which are reported as left out. A reproducible tar.gz
 * (fixed mtimes, sorted entries), so its hash names the image tag.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.ts';
import { UsageError } from '../errors.ts';
import { isSecretFile } from './secret-files.ts';


/** What the bundled Dockerfile copies; all of it ships in the npm package. */
const PACKAGE_FILES = ['Dockerfile', '.dockerignore', 'package.json', 'npm-shrinkwrap.json', 'bin', 'dist'];
/** Never walked into: version control and installed dependencies. */
const ALWAYS_SKIPPED = new Set(['.git', '.hg', '.svn', 'node_modules']);

export interface BuildContext {
  archive: Buffer;
  /** sha256 of the archive, hex. */
  digest: string;
  files: string[];
  dockerfile: string;
  /** Files of the folder left out because they may hold secrets. */
  excluded: string[];
}

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (ALWAYS_SKIPPED.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, full, out);
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

export async function collectFiles(root: string, ownPackage: boolean): Promise<{ files: string[]; excluded: string[] }> {
  const files: string[] = [];
  if (ownPackage) {
    for (const name of PACKAGE_FILES) {
      const full = join(root, name);
      if (!existsSync(full)) continue;
      if ((await stat(full)).isDirectory()) await walk(root, full, files);
      else files.push(name);
    }
    if (!files.some((f) => f.startsWith('dist/'))) throw new UsageError(`the package at ${root} has no dist/ folder`, { suggestion: 'Run `npm run build` first.' });
    return withoutSecrets(files.filter((f) => !f.endsWith('.map')));
  }
  await walk(root, root, files);
  const ignoreFile = join(root, '.dockerignore');
  if (existsSync(ignoreFile)) {
    // A CommonJS module: its factory is both the module and its `default`.
    const ignore = (await import('@balena/dockerignore')).default.default;
    const ig = ignore().add((await readFile(ignoreFile, 'utf8')).split(/\r?\n/));
    return withoutSecrets(files.filter((f) => f === 'Dockerfile' || !ig.ignores(f)));
  }
  return withoutSecrets(files);
}

/** Applied after .dockerignore, so no `!` line re-includes a secret. */
function withoutSecrets(files: string[]): { files: string[]; excluded: string[] } {
  const excluded = files.filter(isSecretFile).sort();
  return { files: files.filter((f) => !isSecretFile(f)).sort(), excluded };
}

export async function buildContext(opts: { contextDir?: string; dockerfile?: string }): Promise<BuildContext> {
  const own = opts.contextDir === undefined;
  const root = opts.contextDir ?? PACKAGE_ROOT;
  const dockerfile = opts.dockerfile ?? 'Dockerfile';
  if (!existsSync(join(root, dockerfile))) throw new UsageError(`no ${dockerfile} in ${root}`, { suggestion: 'Pass --context <folder with a Dockerfile>.' });
  const { files, excluded } = await collectFiles(root, own);
  const tar = await import('tar');
  const chunks: Buffer[] = [];
  const stream = tar.create({ gzip: { level: 9 }, cwd: root, portable: true, mtime: new Date(0), noDirRecurse: true }, files);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const archive = Buffer.concat(chunks);
  return { archive, digest: createHash('sha256').update(archive).digest('hex'), files, dockerfile, excluded };
}

/** An immutable tag: when, and what. Never only `latest`. */
export function imageTag(digest: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}-${digest.slice(0, 12)}`;
}
