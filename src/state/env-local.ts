/**
 * .env.local, the one file that holds a secret: written whole (parsed with Node's dotenv parser,
 * never edited by regex), mode 0600, never through a symbolic link, and listed in .gitignore so it
 * is never committed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { refuseNonRegular, writeFileAtomic } from './store.ts';

export const ENV_LOCAL = '.env.local';

/** The comment block that opens the file, from templates/env.local. */
export async function envLocalHeader(deployment: string): Promise<string> {
  const template = await readFile(fileURLToPath(new URL('../../templates/env.local', import.meta.url)), 'utf8');
  return template.replaceAll('{{DEPLOYMENT}}', deployment).trimEnd();
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
