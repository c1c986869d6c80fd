/**
 * The env file for `serve`: the deployment's own (`.env.{prefix}-{env}.local`, next to its deployment
 * file: `--deployment`, or the only deployment here), `--env-file`, or outside a deployment folder
 * `.env.local` when present. Parsed with Node's own dotenv parser. The process environment wins over
 * the file (see env-sources.ts for how loudly); nothing is written to process.env.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, UsageError } from '../errors.ts';
import { deploymentName, envFileFor, findDeploymentFolder, locateDeployment } from '../state/locate.ts';
import { SERVER_NAMES, pick } from './identity-names.ts';

export const DEFAULT_ENV_FILE = '.env.local';

/** Variables only the hosting platform may set: an env file must not fake a managed identity. */
const PLATFORM_ONLY = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER'];
/** Variables whose values are secrets: a file holding one must be readable by its owner only. */
const SECRET_VARIABLES = [...SERVER_NAMES.secret, 'MCP_OBO_FACADE_KEY', 'MCP_OBO_FACADE_KEY_PREVIOUS'];

export interface LoadedEnvFile {
  path: string | undefined;
  values: Record<string, string>;
  /** The file holds a secret but other users can read it. */
  looseMode: boolean;
}

export async function loadEnvFile(choice: EnvFileChoice): Promise<LoadedEnvFile> {
  const path = choice.path;
  if (path === undefined) return { path: undefined, values: {}, looseMode: false };
  let content: string;
  let mode: number;
  try {
    [content, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mode)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !choice.required) return { path: undefined, values: {}, looseMode: false };
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

export interface EnvFileChoice {
  /** The file to read, and whether it must exist. */
  path: string | undefined;
  required: boolean;
  /** The deployment it is for (`contoso-dev`), when chosen by deployment. */
  deployment?: string;
  /** That deployment's file (its tools are served too). */
  file?: string;
  /** Said once at start: e.g. that the settings still live in the shared .env.local. */
  note?: string;
}

/** Which env file `serve` reads. Only file names and, for an old `.env.local`, the deployment's app id are looked at. */
export async function chooseEnvFile(cwd: string, o: { envFile?: string; deployment?: string }): Promise<EnvFileChoice> {
  if (o.envFile !== undefined && o.deployment !== undefined) {
    throw new UsageError('--env-file and --deployment both choose the settings to serve with: pass one of them');
  }
  if (o.envFile !== undefined) return { path: resolve(cwd, o.envFile), required: true };
  if (o.deployment !== undefined) return forDeployment(await locateDeployment(cwd, o.deployment), true);
  const folder = await findDeploymentFolder(cwd);
  if (!folder) return { path: resolve(cwd, DEFAULT_ENV_FILE), required: false };
  if (folder.files.length > 1) {
    const list = folder.files.map(deploymentName);
    throw new UsageError(`several deployments in ${folder.dir} (${list.join(', ')}): which one should the server be?`, {
      suggestion: `Run \`mcp-obo serve --deployment ${list[0]}\` (each has its own settings, .env.<prefix>-<env>.local), or pass --env-file.`,
    });
  }
  return forDeployment(join(folder.dir, folder.files[0]!), false);
}

async function forDeployment(file: string, required: boolean): Promise<EnvFileChoice> {
  const name = deploymentName(file);
  const own = envFileFor(file);
  if (existsSync(own)) return { path: own, required: true, deployment: name, file };
  // Settings an earlier version wrote to the shared .env.local, until `provision` moves them.
  const legacy = join(dirname(file), DEFAULT_ENV_FILE);
  if (existsSync(legacy) && (await holdsDeployment(legacy, file))) {
    return { path: legacy, required: true, deployment: name, file, note: `the settings of ${name} are still in ${legacy}; \`mcp-obo provision --deployment ${name}\` moves them to ${own}` };
  }
  if (required) {
    throw new UsageError(`deployment ${name} has no local settings: ${own} does not exist`, {
      suggestion: `Run \`mcp-obo provision --deployment ${name}\` (it writes the client secret and facade key there), or pass --env-file.`,
    });
  }
  return { path: existsSync(legacy) ? legacy : undefined, required: false, deployment: name, file };
}

/** Whether an env file was written for the deployment in `file`: its header names it, or it holds its app id. */
async function holdsDeployment(envPath: string, file: string): Promise<boolean> {
  try {
    const [env, d] = await Promise.all([readFile(envPath, 'utf8'), readFile(file, 'utf8').then((t) => JSON.parse(t) as { prefix?: string; env?: string; id?: string; resources?: { application?: { appId?: string } } })]);
    if (env.startsWith(`# mcp-obo ${d.prefix}-${d.env}-${d.id}:`)) return true;
    const appId = d.resources?.application?.appId;
    return appId !== undefined && pick(parseEnv(env) as Record<string, string>, SERVER_NAMES.clientId) === appId;
  } catch {
    return false;
  }
}
