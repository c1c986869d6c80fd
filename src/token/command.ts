/**
 * `mcp-obo token`: prints the token, its claims, or curl commands that use it. A token is a
 * password for an hour: it is printed raw only into a pipe or capture (`TOKEN=$(mcp-obo token)`),
 * or to a terminal when asked with --raw; the curl commands read it from $TOKEN, set once, so it is
 * not repeated in the commands nor in the shell history.
 */
import { basename, dirname, relative } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import { shellQuote } from '../cli/shell.ts';
import type { TokenResult } from '../contract/commands.ts';
import { resolveCloud } from '../cloud.ts';
import { UsageError } from '../errors.ts';
import { deploymentFileName, type Deployment } from '../state/deployment.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { acquireUserToken, signInMethod, tokenFromEnv, type Run } from './acquire.ts';
import { deploymentName } from '../state/locate.ts';
import { summarize } from './decode.ts';

export interface TokenOptions {
  deployment?: string;
  decode?: boolean;
  curl?: boolean;
  raw?: boolean;
  url?: string;
  deviceCode?: boolean;
  json?: boolean;
}

/** curl commands for initialize, tools/list and tools/call, after one command that sets TOKEN. */
export function curlCommands(url: string, tokenCommand: string): string {
  const call = (body: object) =>
    `curl -s ${shellQuote(`${url}/mcp`)} \\\n  -H "Authorization: Bearer $TOKEN" \\\n  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n  -d ${shellQuote(JSON.stringify(body))}`;
  return [
    '# the token, once (it stays out of the commands and the shell history)',
    `TOKEN=$(${tokenCommand})`,
    '# initialize',
    call({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } }),
    '# tools/list',
    call({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    '# tools/call',
    call({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_user_context', arguments: {} } }),
    '',
  ].join('\n');
}

/** `mcp-obo token --deployment X` naming the same deployment from the current folder. */
function tokenCommand(d: Deployment, path: string, cwd: string, deviceCode: boolean): string {
  const rel = relative(cwd, path);
  const which = dirname(rel) === '.' && basename(rel) === deploymentFileName(d) ? `${d.prefix}-${d.env}` : rel || path;
  return `mcp-obo token --deployment ${shellQuote(which)}${deviceCode ? ' --device-code' : ''}`;
}

export async function runToken(opts: TokenOptions, ctx: CliContext, run: Run): Promise<void> {
  const modes = (['decode', 'curl', 'raw'] as const).filter((m) => opts[m]);
  if (modes.length > 1) throw new UsageError(`--${modes.join(' and --')} cannot be combined`);
  if (opts.url !== undefined && !opts.curl) throw new UsageError('--url is only used with --curl');
  if (modes.length === 0 && (ctx.stdout as { isTTY?: boolean }).isTTY) {
    throw new UsageError('not printing a token to the terminal: it would stay in the scrollback, and anyone who sees it can act as you for an hour', {
      suggestion: 'Capture it: TOKEN=$(mcp-obo token). See what it holds: mcp-obo token --decode. Print it anyway: mcp-obo token --raw.',
    });
  }
  const out = createOutput(ctx, { json: opts.json, stream: false });
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  const d = store.deployment;
  const app = d.resources.application;
  if (!app) throw new UsageError('the deployment has no app registration yet', { suggestion: 'Run `mcp-obo provision` first.' });
  if (opts.curl) {
    // --url is the user's choice; the deployment file's URL only once Azure confirms it is the app's.
    const url = opts.url !== undefined ? opts.url.replace(/\/+$/, '') : d.mcpUrl ? await (await import('../deploy/trusted.ts')).deployedServerUrl(d, store.path, ctx) : 'http://localhost:8000';
    const result: TokenResult = { mode: 'curl', url, commands: curlCommands(url, tokenCommand(d, store.path, ctx.cwd, Boolean(opts.deviceCode))) };
    out.result(result, (r) => ctx.stdout.write(r.commands));
    return;
  }
  const cloud = resolveCloud(d.cloud, ctx.env);
  const { token, via } =
    tokenFromEnv(ctx.env) ??
    (await acquireUserToken({
      cloud,
      tenantId: d.tenantId,
      scope: `api://${app.appId}/access_as_user`,
      run,
      notify: (m) => ctx.stderr.write(m + '\n'),
      method: signInMethod(ctx, opts.deviceCode),
      deployment: deploymentName(store.path),
    }));
  const claims = summarize(token);
  if (opts.decode) {
    const result: TokenResult = { mode: 'decode', claims: { ...claims, issuedAt: claims.issuedAt ?? null, expiresAt: claims.expiresAt ?? null, expiresInMinutes: claims.expiresInMinutes ?? null }, via };
    out.result(result, (r) => ctx.stdout.write(JSON.stringify(r.claims, null, 2) + '\n'));
    return;
  }
  out.result({ mode: 'token', token, expiresAt: claims.expiresAt ?? null, via } satisfies TokenResult, (r) => ctx.stdout.write(r.token + '\n'));
}
