/**
 * The tools a server offers: the enabled packs, then every tool exported by the user's modules
 * (files, or folders of them), checked for clashing names. A module exports tools made with
 * defineTool, as its default export, named exports, or arrays of them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.ts';
import { isTool, type Tool } from './define.ts';
import { packNamed, type PackName } from './packs/index.ts';

export interface ToolSource {
  tool: Tool;
  /** `pack:mail`, or the module's path. */
  from: string;
}

const MODULE = /\.(m?js|m?ts)$/;
const SKIP = /(\.test|\.spec|\.d)\.(m?js|m?ts)$|^[._]/;

/** The module files of a path: itself, or the tool files directly in a folder (tests and _helpers left out). */
export async function moduleFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ConfigError('--tools', `names ${path}, which does not exist`);
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => MODULE.test(n) && !SKIP.test(n)).sort();
  return names.map((n) => join(path, n));
}

/** The tools exported by one module (throws when it exports none). */
export async function toolsOf(file: string, version = 0): Promise<Tool[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href + (version ? `?v=${version}` : ''))) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError('--tools', `could not load ${file}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  const tools: Tool[] = [];
  for (const value of Object.values(mod)) {
    for (const v of Array.isArray(value) ? value : [value]) if (isTool(v) && !tools.includes(v)) tools.push(v);
  }
  if (tools.length === 0) {
    throw new ConfigError('--tools', `${file} exports no tool: export what defineTool returns (import { defineTool } from 'mcp-obo/tools')`);
  }
  return tools;
}

export interface LoadOptions {
  packs: readonly PackName[];
  /** Files or folders of tool modules (absolute paths). */
  modules: readonly string[];
  cwd?: string;
  /** Import generation, so a reload sees edited files (see watch.ts). */
  version?: number;
  /** Tools given as values (the testing kit). */
  extra?: readonly Tool[];
}

export async function loadTools(o: LoadOptions): Promise<ToolSource[]> {
  const out: ToolSource[] = [];
  for (const name of o.packs) for (const tool of packNamed(name).tools) out.push({ tool, from: `pack:${name}` });
  for (const path of o.modules) {
    for (const file of await moduleFiles(path)) {
      for (const tool of await toolsOf(file, o.version)) out.push({ tool, from: o.cwd ? relative(o.cwd, file) || file : file });
    }
  }
  for (const tool of o.extra ?? []) {
    if (!isTool(tool)) throw new ConfigError('tools', 'lists something that is not a tool made with defineTool');
    out.push({ tool, from: 'given' });
  }
  const seen = new Map<string, string>();
  for (const { tool, from } of out) {
    const other = seen.get(tool.name);
    if (other) throw new ConfigError('--tools', `two tools are named ${tool.name} (${other} and ${from}); tool names must be unique`);
    seen.set(tool.name, from);
  }
  return out;
}
