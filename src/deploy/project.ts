/**
 * `deploy` for a project with its own tools (the deployment file lists tool modules): the image is
 * the project itself, its tools and its locked dependencies (mcp-obo among them), on the same
 * pinned base image as mcp-obo's own. The context is a copy of the project as its .dockerignore
 * and the secret-file rules filter it, with a Dockerfile from templates/project.Dockerfile.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { UsageError } from '../errors.ts';
import { collectFiles } from './context.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

/** Where the project lives in the image. */
export const PROJECT_DIR = '/app';

export interface ProjectContext {
  dir: string;
  dockerfile: string;
  excluded: string[];
  close(): Promise<void>;
}

export async function projectContext(root: string, modules: readonly string[]): Promise<ProjectContext> {
  const lockfile = ['package-lock.json', 'npm-shrinkwrap.json'].find((f) => existsSync(join(root, f)));
  if (!existsSync(join(root, 'package.json'))) throw new UsageError(`the deployment lists tool modules, but ${root} has no package.json`, { suggestion: 'Run `mcp-obo tools new <name>` there, then `npm install mcp-obo`.' });
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  if (!pkg.dependencies?.['mcp-obo']) {
    throw new UsageError(`${join(root, 'package.json')} does not list mcp-obo in "dependencies"`, { suggestion: 'The image runs the mcp-obo your project locks: `npm install mcp-obo` (not --save-dev).' });
  }
  if (!lockfile) throw new UsageError(`${root} has no package-lock.json`, { suggestion: 'The image installs exactly your locked dependencies: run `npm install` to write the lock file, and commit it.' });
  for (const m of modules) {
    const rel = relative(root, m);
    if (rel.startsWith('..') || !existsSync(m)) throw new UsageError(`tool module ${m} is not inside the project ${root}`, { suggestion: 'List folders inside the project in the deployment file (tools.modules).' });
  }
  const { files, excluded } = await collectFiles(root, false);
  const dir = await mkdtemp(join(tmpdir(), 'mcp-obo-project-'));
  const dockerfile = 'Dockerfile.mcp-obo';
  try {
    for (const f of files) {
      await mkdir(dirname(join(dir, f)), { recursive: true });
      await copyFile(join(root, f), join(dir, f));
    }
    // The same pinned base image as mcp-obo's own Dockerfile (one place to refresh it).
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(await readFile(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    if (!base) throw new Error("mcp-obo's Dockerfile names no NODE_IMAGE");
    const template = await readFile(join(PACKAGE_ROOT, 'templates/project.Dockerfile'), 'utf8');
    await writeFile(join(dir, dockerfile), template.replace('__NODE_IMAGE__', base).replace('__LOCKFILE__', lockfile));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, dockerfile, excluded, close: () => rm(dir, { recursive: true, force: true }) };
}

/** The server's MCP_OBO_TOOLS in the image: the modules' paths under /app. */
export function imageToolPaths(root: string, modules: readonly string[]): string {
  return modules.map((m) => `${PROJECT_DIR}/${relative(root, m).split('\\').join('/')}`).join(',');
}
