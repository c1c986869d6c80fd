/** `mcp-obo serve`: configuration, then the server until a signal asks it to stop. */
import type { CliContext } from '../cli/context.ts';
import { CancelledError } from '../errors.ts';
import { parseServerConfig, type ServeFlags, type ServerConfig } from './config.ts';
import { chooseEnvFile, loadEnvFile } from './env-file.ts';
import { identitySources, overrideWarnings } from './env-sources.ts';
import { batchedLines, createLogger, type Logger } from './logger.ts';
import { startServer } from './start.ts';
import { explainListenError } from './listen-error.ts';

export interface ServeOptions extends ServeFlags {
  envFile?: string;
  /** The log is JSON lines already; --json adds the closing `result` event of the contract. */
  json?: boolean;
  /** The deployment whose settings (`.env.{prefix}-{env}.local`) to serve with. */
  deployment?: string;
}

/**
 * The tools the served deployment's file lists (as `provision` and `consent` see them), unless flags or the
 * environment (what `deploy` sets in Azure) name them.
 */
async function deploymentTools(opts: ServeOptions, env: Record<string, string | undefined>, deploymentFile: string | undefined): Promise<{ packs: string[]; modules: string[] } | undefined> {
  if (opts.packs !== undefined || opts.tools?.length || env.MCP_OBO_TOOL_PACKS !== undefined || env.MCP_OBO_TOOLS !== undefined) return undefined;
  if (!deploymentFile) return undefined;
  // Loaded only here: the deployment file's schema (zod) is not needed to serve from the environment alone.
  const [{ readDeployment }, { projectTools }] = await Promise.all([import('../state/store.ts'), import('../tools/project.ts')]);
  const d = await readDeployment(deploymentFile);
  return d.tools ? projectTools(deploymentFile, d) : undefined;
}

export async function runServe(opts: ServeOptions, ctx: CliContext): Promise<void> {
  const choice = await chooseEnvFile(ctx.cwd, opts);
  const file = await loadEnvFile(choice);
  const env = { ...file.values, ...ctx.env };
  const fromDeployment = await deploymentTools(opts, env, choice.file);
  const config = parseServerConfig(env, { port: opts.port, host: opts.host, tools: opts.tools ?? fromDeployment?.modules, packs: opts.packs ?? fromDeployment?.packs.join(','), watch: opts.watch, cwd: ctx.cwd });
  // Log lines leave once per turn of the event loop; whatever waits is written before anything else is.
  const lines = batchedLines(ctx.stdout);
  const logger = createLogger({ level: config.logLevel, write: lines.write });
  let signal: string;
  try {
    signal = await serveUntilSignal(config, logger, file, choice, ctx);
  } finally {
    lines.flush();
  }
  if (opts.json) ctx.stdout.write(JSON.stringify({ event: 'result', ok: true, signal }) + '\n');
  // Ctrl-C exits 130, as shells expect of an interrupted program; SIGTERM (a platform stopping it) is a clean stop.
  if (signal === 'SIGINT') throw Object.assign(new CancelledError('stopped (Ctrl-C); serve saves nothing, so nothing is lost'), { reported: Boolean(opts.json) });
}

async function serveUntilSignal(
  config: ServerConfig,
  logger: Logger,
  file: Awaited<ReturnType<typeof loadEnvFile>>,
  choice: Awaited<ReturnType<typeof chooseEnvFile>>,
  ctx: CliContext,
): Promise<string> {
  if (file.path) logger.info('config.env_file', { path: file.path, deployment: choice.deployment, ...identitySources(file.values, file.path, ctx.env) });
  if (choice.note) logger.warn('config.env_file_shared', { advice: choice.note });
  // Loud, and for people too (the log is for machines): a value the environment overrides is named, with both sources.
  for (const message of overrideWarnings(file.values, file.path, ctx.env)) {
    logger.warn('config.overridden', { message });
    ctx.stderr.write(`warning: ${message}\n`);
  }
  if (file.looseMode) logger.warn('config.env_file_readable', { path: file.path, advice: `chmod 600 ${file.path}: it holds secrets` });
  if (config.credential.kind === 'managedIdentity' && (ctx.env.AZURE_CLIENT_SECRET || ctx.env.MCP_OBO_CLIENT_SECRET)) {
    logger.warn('config.secret_ignored', { advice: 'MCP_OBO_CLIENT_SECRET / AZURE_CLIENT_SECRET is ignored when a managed identity is available; remove it from the app.' });
  }

  // Listen for signals before listening on the port: a SIGTERM right after start must still be graceful.
  const shutdown = ctx.waitForShutdown();
  const running = await startServer(config, { logger }).catch(async (err: unknown) => {
    throw await explainListenError(err, config.host, config.port);
  });
  try {
    // A failure to load the app after listening ends the process rather than serving only /health.
    const loadFailure = running.ready.then(() => new Promise<never>(() => {}));
    const signal = await Promise.race([shutdown, loadFailure]);
    logger.info('server.stopping', { signal });
    return signal;
  } finally {
    await running.close();
  }
}
