/**
 * `mcp-obo dev`: the server with every pack (or the ones asked for) and the user's tools, signed in
 * through its authorization facade against the local platform and answered from the sample tenant.
 * Nothing here touches Azure or reads the environment's credentials: the platform's app, secret
 * and keys are made for this run.
 */
import { randomBytes } from 'node:crypto';
import type { CliContext } from '../cli/context.ts';
import { UsageError } from '../errors.ts';
import { parseServerConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { explainListenError } from '../server/listen-error.ts';
import { createOutput } from '../cli/output.ts';
import type { DevResult } from '../contract/commands.ts';
import { startServer, type RunningServer } from '../server/start.ts';
import { PACK_NAMES } from '../tools/packs/names.ts';
import { devConnector } from './outbound.ts';
import { platformServerEnv, startPlatform } from './platform.ts';

export interface DevOptions {
  port?: string;
  tools?: string[];
  packs?: string;
  watch?: boolean;
  /** Permissions to leave without consent, e.g. graph/Mail.Read. */
  withoutConsent?: string[];
  json?: boolean;
}

export async function runDev(opts: DevOptions, ctx: CliContext): Promise<void> {
  const withoutConsent = (opts.withoutConsent ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const bad = withoutConsent.find((s) => !/^(graph|devops)\/[A-Za-z0-9._-]+$/.test(s));
  if (bad) throw new UsageError(`--without-consent takes graph/<permission> or devops/<permission> (got "${bad}")`, { suggestion: 'For example: mcp-obo dev --without-consent graph/Mail.Read' });
  // The platform's key and the outbound agent's module load side by side.
  const [platform, { createOutbound, OUTBOUND_TIMEOUT_MS }] = await Promise.all([startPlatform({ withoutConsent }), import('../server/outbound.ts')]);
  let running: RunningServer | undefined;
  try {
    const env = {
      ...platformServerEnv(platform),
      MCP_OBO_FACADE_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: ctx.env.LOG_LEVEL ?? 'warn',
      // Browser clients (MCP Inspector's web UI) and hosted redirect URIs work as with serve.
      MCP_OBO_ALLOWED_ORIGINS: ctx.env.MCP_OBO_ALLOWED_ORIGINS,
      MCP_OBO_REDIRECT_URIS: ctx.env.MCP_OBO_REDIRECT_URIS,
    };
    const config = parseServerConfig(env, { port: opts.port ?? 8000, tools: opts.tools, packs: opts.packs ?? PACK_NAMES.join(','), watch: opts.watch, cwd: ctx.cwd });
    const logger = createLogger({ level: config.logLevel, write: (line) => ctx.stderr.write(line + '\n') });
    const outbound = createOutbound({ connectionsPerOrigin: config.limits.maxConnections, timeoutMs: OUTBOUND_TIMEOUT_MS, connect: devConnector(platform.port, OUTBOUND_TIMEOUT_MS) });
    const shutdown = ctx.waitForShutdown();
    running = await startServer(config, { logger, outbound }).catch(async (err: unknown) => {
      throw await explainListenError(err, config.host, config.port, 'dev');
    });
    await running.ready;
    const mcpUrl = `http://localhost:${new URL(running.url).port}/mcp`;
    const tools = running.tools().map((t) => t.name);
    const info = { mcpUrl, signInUrl: platform.browserUrl, sampleData: true as const, users: platform.users.map((u) => ({ name: u.displayName, username: u.userPrincipalName })), tools, packs: config.tools.packs, modules: config.tools.modules };
    createOutput(ctx, { json: opts.json, stream: false }).result(info satisfies DevResult, (i) => ctx.stdout.write(banner(i)));
    const loadFailure = running.ready.then(() => new Promise<never>(() => {}));
    await Promise.race([shutdown, loadFailure]);
  } finally {
    await running?.close();
    await platform.close();
  }
}

function banner(i: { mcpUrl: string; users: { name: string; username: string }[]; tools: string[]; packs: string[]; modules: string[] }): string {
  const from = [...i.packs, ...(i.modules.length ? [`${i.modules.length} module folder(s) of yours`] : [])];
  return [
    '',
    `  mcp-obo dev: ${i.mcpUrl}`,
    '',
    '  SAMPLE DATA ONLY: a local identity platform and an invented tenant (mail, calendar, files,',
    '  SharePoint, Azure DevOps). Nothing here is real Microsoft data; no Azure sign-in is used.',
    '',
    `  Add it to VS Code (.vscode/mcp.json): { "servers": { "mcp-obo-dev": { "type": "http", "url": "${i.mcpUrl}" } } }`,
    `  or any MCP client; sign in on the local page as ${i.users.map((u) => u.name).join(', ')}.`,
    `  ${i.tools.length} tools from ${from.join(', ')}. Ctrl-C stops.`,
    '',
  ].join('\n') + '\n';
}
