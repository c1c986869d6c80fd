/** `mcp-obo token`: prints the token, its claims, or curl commands that use it. */
import type { CliContext } from '../cli/context.ts';
import { resolveCloud } from '../cloud.ts';
import { UsageError } from '../errors.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { acquireUserToken, type Run } from './acquire.ts';
import { summarize } from './decode.ts';

export interface TokenOptions {
  deployment?: string;
  decode?: boolean;
  curl?: boolean;
  url?: string;
  deviceCode?: boolean;
}

export function curlCommands(url: string, token: string): string {
  const call = (body: object) =>
    `curl -s ${url}/mcp \\\n  -H "Authorization: Bearer ${token}" \\\n  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n  -d '${JSON.stringify(body)}'`;
  return [
    '# initialize',
    call({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } }),
    '# tools/list',
    call({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    '# tools/call',
    call({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_user_context', arguments: {} } }),
    '',
  ].join('\n');
}

export async function runToken(opts: TokenOptions, ctx: CliContext, run: Run): Promise<void> {
  if (opts.decode && opts.curl) throw new UsageError('--decode and --curl cannot be combined');
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  const d = store.deployment;
  const app = d.resources.application;
  if (!app) throw new UsageError('the deployment has no app registration yet', { suggestion: 'Run `mcp-obo provision` first.' });
  const cloud = resolveCloud(d.cloud, ctx.env);
  const { token } = await acquireUserToken({
    cloud,
    tenantId: d.tenantId,
    scope: `api://${app.appId}/access_as_user`,
    run,
    notify: (m) => ctx.stderr.write(m + '\n'),
    method: opts.deviceCode ? 'device' : 'auto',
  });
  if (opts.decode) ctx.stdout.write(JSON.stringify(summarize(token), null, 2) + '\n');
  else if (opts.curl) ctx.stdout.write(curlCommands((opts.url ?? d.mcpUrl?.replace(/\/mcp$/, '') ?? 'http://localhost:8000').replace(/\/+$/, ''), token));
  else ctx.stdout.write(token + '\n');
}
