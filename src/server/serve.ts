/** `mcp-obo serve`: configuration, then the server until a signal asks it to stop. */
import type { CliContext } from '../cli/context.ts';
import { parseServerConfig, type ServeFlags } from './config.ts';
import { loadEnvFile } from './env-file.ts';
import { createLogger } from './logger.ts';
import { startServer } from './start.ts';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEPLOYMENT_FILE_PATTERN } from '../state/deployment.ts';
import { readDeployment } from '../state/store.ts';
import { projectTools } from '../tools/project.ts';

export interface ServeOptions extends ServeFlags {
  envFile?: string;
}

/**
 * In a project folder, the tools its deployment file lists (as `provision` and `consent` see them), unless flags
 * or the environment (what `deploy` sets in Azure) name them.
 */
async function deploymentTools(opts: ServeOptions, env: Record<string, string | undefined>, cwd: string): Promise<{ packs: string[]; modules: string[] } | undefined> {
  if (opts.packs !== undefined || opts.tools?.length || env.MCP_OBO_TOOL_PACKS !== undefined || env.MCP_OBO_TOOLS !== undefined) return undefined;
  const found = (await readdir(cwd).catch(() => [] as string[])).filter((f) => DEPLOYMENT_FILE_PATTERN.test(f));
  if (found.length !== 1) return undefined;
  const d = await readDeployment(join(cwd, found[0]!));
  return d.tools ? projectTools(join(cwd, found[0]!), d) : undefined;
}

export async function runServe(opts: ServeOptions, ctx: CliContext): Promise<void> {
  const file = await loadEnvFile(ctx.cwd, opts.envFile);
  const env = { ...file.values, ...ctx.env };
  const fromDeployment = await deploymentTools(opts, env, ctx.cwd);
  const config = parseServerConfig(env, { port: opts.port, host: opts.host, tools: opts.tools ?? fromDeployment?.modules, packs: opts.packs ?? fromDeployment?.packs.join(','), watch: opts.watch, cwd: ctx.cwd });
  const logger = createLogger({ level: config.logLevel, write: (line) => ctx.stdout.write(line + '\n') });
  if (file.path) logger.info('config.env_file', { path: file.path });
  if (file.looseMode) logger.warn('config.env_file_readable', { path: file.path, advice: `chmod 600 ${file.path}: it holds secrets` });
  if (config.credential.kind === 'managedIdentity' && ctx.env.AZURE_CLIENT_SECRET) {
    logger.warn('config.secret_ignored', { advice: 'AZURE_CLIENT_SECRET is ignored when a managed identity is available; remove it from the app.' });
  }

  // Listen for signals before listening on the port: a SIGTERM right after start must still be graceful.
  const shutdown = ctx.waitForShutdown();
  const running = await startServer(config, { logger });
  try {
    // A failure to load the app after listening ends the process rather than serving only /health.
    const loadFailure = running.ready.then(() => new Promise<never>(() => {}));
    const signal = await Promise.race([shutdown, loadFailure]);
    logger.info('server.stopping', { signal });
  } finally {
    await running.close();
  }
}
