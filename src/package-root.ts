/**
 * The package's own folder (package.json, templates/, the Dockerfile), found from wherever the running
 * code sits: src/ (tests), dist/ (one compiled file per module, at any depth) or dist/bundle/ (the
 * bundled CLI, chunks in one folder). The nearest folder up whose package.json is this package's.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = 'mcp-obo';

function manifestAt(dir: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

function find(from: string): { root: string; version: string } {
  for (let dir = from; ; dir = dirname(dir)) {
    const m = manifestAt(dir);
    if (m?.name === NAME && typeof m.version === 'string') return { root: dir, version: m.version };
    if (dirname(dir) === dir) throw new Error(`the ${NAME} package.json was not found above ${from}; reinstall mcp-obo`);
  }
}

const found = find(dirname(fileURLToPath(import.meta.url)));

/** Absolute path of the package's folder (no trailing separator). */
export const PACKAGE_ROOT: string = found.root;
/** The package version. */
export const VERSION: string = found.version;
/** A path inside the package, e.g. packagePath('templates', 'env.local'). */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
