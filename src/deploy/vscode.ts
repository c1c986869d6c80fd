/**
 * Adding the server to .vscode/mcp.json from the template, keeping every other entry. A file
 * that is not plain JSON (VS Code allows comments) is left alone, and the entry is printed.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packagePath } from '../package-root.ts';
import { writeFileAtomic } from '../state/store.ts';

export const TEMPLATES = packagePath('templates');

export async function vscodeEntry(serverName: string, url: string): Promise<Record<string, unknown>> {
  const template = await readFile(join(TEMPLATES, 'vscode-mcp.json'), 'utf8');
  const filled = JSON.parse(template.replaceAll('{{SERVER_NAME}}', serverName).replaceAll('{{MCP_URL}}', url)) as { servers: Record<string, unknown> };
  return filled.servers;
}

export async function addToVscode(cwd: string, serverName: string, url: string): Promise<{ path: string; written: boolean; snippet: string }> {
  const path = join(cwd, '.vscode', 'mcp.json');
  const servers = await vscodeEntry(serverName, url);
  const snippet = JSON.stringify({ servers }, null, 2);
  let config: { servers?: Record<string, unknown>; [k: string]: unknown } = {};
  if (existsSync(path)) {
    try {
      config = JSON.parse(await readFile(path, 'utf8'));
    } catch {
      return { path, written: false, snippet };
    }
  }
  config.servers = { ...(config.servers ?? {}), ...servers };
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(config, null, 2) + '\n');
  return { path, written: true, snippet };
}
