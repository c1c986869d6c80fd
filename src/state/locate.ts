/**
 * Where the deployments are: the folder holding `mcp-obo.{prefix}-{env}.json` files, found from the
 * working folder upwards the way git finds `.git` (and never above the repository the working
 * folder is in), and the one a command uses: the named one, or the only one there. Each
 * deployment's local settings live next to it in `.env.{prefix}-{env}.local`, as azd keeps one
 * `.azure/<env>` folder per environment. Reads file names only, so `serve` stays fast to start.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';

export const DEPLOYMENT_FILE_PATTERN = /^mcp-obo\.[a-z0-9]+-[a-z0-9]+\.json$/;

/** `contoso-dev` for `mcp-obo.contoso-dev.json`. */
export function deploymentName(file: string): string {
  return basename(file).replace(/^mcp-obo\.|\.json$/g, '');
}

/** The env file `provision` writes for the deployment file `file` (same folder): `.env.{prefix}-{env}.local`. */
export function envFileFor(file: string): string {
  return join(dirname(file), `.env.${deploymentName(file)}.local`);
}

export interface DeploymentFolder {
  dir: string;
  /** Deployment file names in it, sorted. */
  files: string[];
}

async function deploymentFilesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => DEPLOYMENT_FILE_PATTERN.test(f)).sort();
  } catch {
    return [];
  }
}

/** The nearest folder, from `cwd` up, with deployment files; the search stops at the repository root (a folder with `.git`). */
export async function findDeploymentFolder(cwd: string): Promise<DeploymentFolder | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const files = await deploymentFilesIn(dir);
    if (files.length) return { dir, files };
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return undefined;
  }
}

function namesIn(folder: DeploymentFolder | undefined): string {
  return folder ? folder.files.map(deploymentName).join(', ') : 'none';
}

function notFound(what: string, cwd: string, folder: DeploymentFolder | undefined): UsageError {
  const where = folder ? `in ${folder.dir}: ${namesIn(folder)}` : `none in ${cwd} or the folders above it`;
  return new UsageError(`no deployment ${what} (deployments ${where})`, {
    suggestion: folder
      ? `Choose one of them with --deployment <name>, e.g. --deployment ${deploymentName(folder.files[0]!)}; or create it with \`mcp-obo init\`.`
      : 'Create one with `mcp-obo init`, or run the command in the folder that holds mcp-obo.<prefix>-<env>.json.',
  });
}

/**
 * The deployment file to use: `explicit` (a path, or a name like `contoso-dev`),
 * or the only one in the nearest deployment folder. A wrong name lists the names there.
 */
export async function locateDeployment(cwd: string, explicit: string | undefined): Promise<string> {
  if (explicit !== undefined && (explicit.endsWith('.json') || explicit.includes('/') || explicit.includes('\\'))) {
    const path = resolve(cwd, explicit);
    if (existsSync(path)) return path;
    throw notFound(`file ${explicit}`, cwd, await findDeploymentFolder(dirname(path)).then((f) => f ?? findDeploymentFolder(cwd)));
  }
  const folder = await findDeploymentFolder(cwd);
  if (explicit !== undefined) {
    const wanted = explicit.trim().toLowerCase();
    const file = folder?.files.find((f) => deploymentName(f) === wanted);
    if (file) return join(folder!.dir, file);
    throw notFound(`named "${explicit}"`, cwd, folder);
  }
  if (!folder) throw notFound('here', cwd, undefined);
  if (folder.files.length === 1) return join(folder.dir, folder.files[0]!);
  throw new UsageError(`several deployments in ${folder.dir}: ${namesIn(folder)}`, {
    suggestion: `Choose one with --deployment <name>, e.g. --deployment ${deploymentName(folder.files[0]!)}; \`mcp-obo list\` shows them.`,
  });
}
