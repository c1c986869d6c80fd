/**
 * `mcp-obo tools new <name>`: a tool and its test in the user's project, from templates/tool, ready
 * for `mcp-obo dev --tools`. ES modules in TypeScript that Node runs as they are: `.ts` when the
 * package is `"type": "module"` (or new), `.mts` otherwise, so no CommonJS project breaks.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { UsageError } from '../../errors.ts';
import { writeFileAtomic } from '../../state/store.ts';
import { packagePath } from '../../package-root.ts';

export interface NewToolOptions {
  name: string;
  /** Folder for the tool files, relative to the project (default tools). */
  dir?: string;
  force?: boolean;
}

export interface NewToolResult {
  files: string[];
  /** package.json was created (the folder had none). */
  createdPackageJson: boolean;
  /** What to run next. */
  next: string[];
}

const TEMPLATES = packagePath('templates', 'tool');
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

export async function newTool(cwd: string, o: NewToolOptions): Promise<NewToolResult> {
  if (!NAME.test(o.name)) throw new UsageError(`"${o.name}" is not a tool name: use lower case letters, digits and _ (like expense_report), starting with a letter`);
  const dir = o.dir ?? 'tools';
  if (dir.split(/[/\\]/).includes('..') || /^([/\\]|[A-Za-z]:)/.test(dir)) throw new UsageError(`--dir must be a folder inside the project (got "${dir}")`);
  const pkgPath = join(cwd, 'package.json');
  let pkg: Record<string, unknown> | undefined;
  if (existsSync(pkgPath)) {
    try {
      pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new UsageError(`${pkgPath} is not valid JSON`);
    }
  }
  const ext = !pkg || pkg.type === 'module' ? 'ts' : 'mts';
  const file = o.name.replace(/_/g, '-');
  const toolPath = join(cwd, dir, `${file}.${ext}`);
  const testPath = join(cwd, dir, `${file}.test.${ext}`);
  for (const p of [toolPath, testPath]) {
    if (existsSync(p) && !o.force) throw new UsageError(`${relative(cwd, p)} already exists`, { suggestion: 'Choose another name, or pass --force to replace it.' });
  }
  const fill = (s: string) =>
    s.replace(/__NAME__/g, o.name).replace(/__TITLE__/g, o.name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())).replace(/__DIR__/g, dir).replace(/__FILE__/g, `${file}.${ext}`);
  await mkdir(join(cwd, dir), { recursive: true });
  await writeFileAtomic(toolPath, fill(await readFile(join(TEMPLATES, 'tool.ts'), 'utf8')));
  await writeFileAtomic(testPath, fill(await readFile(join(TEMPLATES, 'tool.test.ts'), 'utf8')));
  const next: string[] = [];
  if (!pkg) {
    const created = { name: basename(cwd).toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'mcp-tools', private: true, type: 'module', scripts: { dev: `mcp-obo dev --tools ./${dir} --watch`, test: 'node --test' } };
    await writeFileAtomic(pkgPath, JSON.stringify(created, null, 2) + '\n');
  }
  const deps = { ...(pkg?.dependencies as object | undefined), ...(pkg?.devDependencies as object | undefined) };
  if (!('mcp-obo' in deps)) next.push('npm install mcp-obo');
  next.push(`npx mcp-obo dev --tools ./${dir} --watch`, 'node --test');
  return { files: [relative(cwd, toolPath), relative(cwd, testPath), ...(pkg ? [] : ['package.json'])], createdPackageJson: !pkg, next };
}
