/**
 * The env files that hold a secret: `.env.{prefix}-{env}.local` per deployment (and `.env.local`
 * from before there was one per deployment). Written whole (parsed with Node's dotenv parser,
 * never edited by regex), mode 0600, never through a symbolic link, and listed in .gitignore so
 * they are never committed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { refuseNonRegular, writeFileAtomic } from './store.ts';
import { SERVER_NAMES } from '../server/identity-names.ts';
import { packagePath } from '../package-root.ts';

/** The env file of versions before per-deployment files, and `serve`'s default outside a deployment folder. */
export const ENV_LOCAL = '.env.local';

/** The deployment's local settings for `serve`, next to its deployment file. */
export function envFileName(d: { prefix: string; env: string }): string {
  return `.env.${d.prefix}-${d.env}.local`;
}

export { SERVER_NAMES, pick } from '../server/identity-names.ts';

/** Every variable `provision` writes into a deployment's env file (and cleanup takes out again). */
export const PROVISION_KEYS = [...SERVER_NAMES.tenant, ...SERVER_NAMES.clientId, ...SERVER_NAMES.secret, 'AZURE_AUTHORITY_HOST', 'MCP_OBO_GRAPH_ENDPOINT', 'MCP_OBO_FACADE_KEY'];

/** The deployment (`prefix-env-id`) named by the file's first line, as `provision` writes it. */
export async function envFileSlug(path: string): Promise<string | undefined> {
  const first = (await readFile(path, 'utf8').catch(() => '')).split('\n', 1)[0] ?? '';
  return /^# mcp-obo ([a-z0-9]+-[a-z0-9]+-[a-z0-9]+):/.exec(first)?.[1];
}

/** The comment block that opens the file, from templates/env.local; `slug` is prefix-env-id. */
export async function envLocalHeader(slug: string): Promise<string> {
  const template = await readFile(packagePath('templates', 'env.local'), 'utf8');
  return template.replaceAll('{{DEPLOYMENT}}', slug).replaceAll('{{NAME}}', slug.split('-').slice(0, 2).join('-')).trimEnd();
}

export async function readEnvFile(path: string): Promise<Record<string, string>> {
  try {
    return parseEnv(await readFile(path, 'utf8')) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

function quote(value: string): string {
  return /^[A-Za-z0-9_./:@+-]*$/.test(value) ? value : JSON.stringify(value);
}

/** Sets (or, with undefined, removes) keys and keeps every other variable in the file; `header` is comment lines. */
export async function updateEnvFile(path: string, changes: Record<string, string | undefined>, header: string): Promise<void> {
  // Checked before reading too: a link would otherwise pour its target's contents into our file.
  await refuseNonRegular(path);
  const merged: Record<string, string> = { ...(await readEnvFile(path)) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const body = Object.entries(merged)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join('\n');
  await writeFileAtomic(path, `${header}\n${body}\n`, 0o600);
}

/** Makes sure the folder's .gitignore lists the file (creates .gitignore when there is none). */
export async function ensureGitIgnored(dir: string, entry: string): Promise<boolean> {
  const path = join(dir, '.gitignore');
  let content = '';
  try {
    content = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const lines = content.split(/\r?\n/).map((l) => l.trim());
  if (lines.includes(entry) || lines.includes(`/${entry}`)) return false;
  await writeFileAtomic(path, `${content}${content && !content.endsWith('\n') ? '\n' : ''}${entry}\n`);
  return true;
}
