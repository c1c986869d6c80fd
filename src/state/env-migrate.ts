/**
 * From one `.env.local` per folder to one env file per deployment: a `.env.local` that an earlier
 * `provision` wrote for this deployment (its header names the deployment, or it holds the
 * deployment's app id) moves to `.env.{prefix}-{env}.local`, the server's identity under its own
 * MCP_OBO_* names. Every other variable the user keeps there is copied along (serve reads only the
 * deployment's file) and stays in `.env.local` too; `.env.local` is removed only when nothing of the
 * user's is left in it. A `.env.local` of another deployment, or one that is a link, is left alone.
 */
import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from './deployment.ts';
import { ENV_LOCAL, PROVISION_KEYS, SERVER_NAMES, ensureGitIgnored, envFileName, envFileSlug, envLocalHeader, pick, readEnvFile, updateEnvFile } from './env-local.ts';
import { names } from './naming.ts';

async function isRegularFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Whether the env file at `path` was written for deployment `d`. */
export async function envFileBelongsTo(path: string, d: Deployment): Promise<boolean> {
  if (!(await isRegularFile(path))) return false;
  if ((await envFileSlug(path)) === names(d).slug) return true;
  const appId = d.resources.application?.appId;
  return appId !== undefined && pick(await readEnvFile(path), SERVER_NAMES.clientId) === appId;
}

/** Moves the deployment's settings out of a shared `.env.local`; returns what it did, for the user, or undefined. */
export async function moveLegacyEnvLocal(dir: string, d: Deployment): Promise<string | undefined> {
  const target = join(dir, envFileName(d));
  const legacy = join(dir, ENV_LOCAL);
  if ((await lstat(target).catch(() => undefined)) || !(await envFileBelongsTo(legacy, d))) return undefined;
  const values = await readEnvFile(legacy);
  const moved: Record<string, string | undefined> = { ...values };
  for (const [own, azure] of Object.values(SERVER_NAMES)) {
    moved[own] = values[own] ?? values[azure];
    moved[azure] = undefined;
  }
  await updateEnvFile(target, moved, await envLocalHeader(names(d).slug));
  await ensureGitIgnored(dir, envFileName(d));
  const kept = Object.keys(values).filter((k) => !PROVISION_KEYS.includes(k));
  if (kept.length === 0) {
    await rm(legacy, { force: true });
    return `moved the settings of ${names(d).slug} from ${ENV_LOCAL} to ${envFileName(d)} (${ENV_LOCAL} held nothing else and was removed)`;
  }
  await updateEnvFile(legacy, Object.fromEntries(PROVISION_KEYS.map((k) => [k, undefined])), `# Your settings. mcp-obo moved those of ${names(d).slug} to ${envFileName(d)} (\`mcp-obo serve --deployment ${d.prefix}-${d.env}\` reads it).`);
  return `moved the settings of ${names(d).slug} from ${ENV_LOCAL} to ${envFileName(d)}; your own variables (${kept.join(', ')}) were copied there and stay in ${ENV_LOCAL}`;
}

/**
 * What the deployment's env file holds, for planning: its own file, or while it has none (before the
 * first provision of this version moves it) the `.env.local` that belongs to it.
 */
export async function readDeploymentEnv(dir: string, d: Deployment): Promise<Record<string, string>> {
  const own = join(dir, envFileName(d));
  if (await lstat(own).catch(() => undefined)) return readEnvFile(own);
  const legacy = join(dir, ENV_LOCAL);
  return (await envFileBelongsTo(legacy, d)) ? readEnvFile(legacy) : {};
}
