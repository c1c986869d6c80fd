/**
 * The optional env file for `serve` (default .env.local when present), parsed with Node's own
 * dotenv parser. The process environment wins over the file; nothing is written to process.env.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, UsageError } from '../errors.ts';

export const DEFAULT_ENV_FILE = '.env.local';

/** Variables only the hosting platform may set: an env file must not fake a managed identity. */
const PLATFORM_ONLY = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER'];
/** Variables whose values are secrets: a file holding one must be readable by its owner only. */
const SECRET_VARIABLES = ['AZURE_CLIENT_SECRET', 'MCP_OBO_FACADE_KEY', 'MCP_OBO_FACADE_KEY_PREVIOUS'];

export interface LoadedEnvFile {
  path: string | undefined;
  values: Record<string, string>;
  /** The file holds a secret but other users can read it. */
  looseMode: boolean;
}

export async function loadEnvFile(cwd: string, explicit: string | undefined): Promise<LoadedEnvFile> {
  const path = resolve(cwd, explicit ?? DEFAULT_ENV_FILE);
  let content: string;
  let mode: number;
  try {
    [content, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mode)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && explicit === undefined) return { path: undefined, values: {}, looseMode: false };
    throw new UsageError(`cannot read env file ${path}: ${(err as Error).message}`, { suggestion: 'Check the --env-file path.' });
  }
  let values: Record<string, string>;
  try {
    values = parseEnv(content) as Record<string, string>;
  } catch (err) {
    throw new UsageError(`env file ${path} is not valid: ${(err as Error).message}`);
  }
  for (const name of PLATFORM_ONLY) {
    if (name in values) throw new ConfigError(name, `is set by Azure Container Apps and cannot come from an env file (${path})`);
  }
  return { path, values, looseMode: SECRET_VARIABLES.some((name) => name in values) && (mode & 0o077) !== 0 };
}
