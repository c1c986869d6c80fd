/** `mcp-obo test`: the checks in order, against a local or deployed server. */
import type { CliContext } from '../cli/context.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { resolveCloud } from '../cloud.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { deployedServerUrl } from '../deploy/trusted.ts';
import { acquireUserToken, type Run } from '../token/acquire.ts';
import { adviceForToolError, checkChallenge, checkForgedToken, checkHealth, checkMetadata, checkResourceParameter, checkTamperedToken, postMcp, type CheckResult, type Expectations } from './checks.ts';
import { facadeChecks } from './facade-checks.ts';
import { loadTools } from '../tools/load.ts';
import { projectTools } from '../tools/project.ts';

/** What the deployment's tools say about themselves: the names the server must list, and test arguments. */
async function expectedTools(store: DeploymentStore): Promise<{ names: string[]; testInputs: Map<string, unknown> }> {
  const project = projectTools(store.path, store.deployment);
  const sources = await loadTools({ ...project, cwd: project.root });
  return { names: sources.map((s) => s.tool.name), testInputs: new Map(sources.filter((s) => s.tool.testInput !== undefined).map((s) => [s.tool.name, s.tool.testInput])) };
}

export interface TestOptions {
  deployment?: string;
  url?: string;
  json?: boolean;
}

export async function runTest(opts: TestOptions, ctx: CliContext, run: Run): Promise<CheckResult[]> {
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  const d = store.deployment;
  const app = d.resources.application;
  if (!app) throw new UsageError('the deployment has no app registration yet', { suggestion: 'Run `mcp-obo provision` first.' });
  // --url is the user's choice; the deployment file's URL is only used once Azure confirms it is the app's.
  const base = opts.url !== undefined ? opts.url.replace(/\/+$/, '') : await deployedServerUrl(d, store.path, ctx);
  const cloud = resolveCloud(d.cloud, ctx.env);
  // A local `serve` (plain http on loopback) is not the deployment's canonical URL; anything else answers for it.
  const local = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(base);
  const entraIssuer = `${cloud.authorityHost}/${d.tenantId}/v2.0`;
  const expected = await expectedTools(store);
  const e: Expectations = { url: base, appId: app.appId, authorizationServer: entraIssuer, tools: expected.names, identifierUri: local ? undefined : d.resources.customDomain?.identifierUri };

  const results: CheckResult[] = [];
  const health = await checkHealth(e, fetch);
  results.push(health);
  if (!health.ok) return results;
  // The server names its authorization server: itself (the facade, the default) or Entra (MCP_OBO_AUTH=entra).
  const facade = await facadeIssuer(base);
  if (facade) e.authorizationServer = facade;
  results.push(await checkMetadata(e, fetch), await checkChallenge(e, fetch), await checkForgedToken(e, fetch, d.tenantId));
  if (facade) results.push(...(await facadeChecks(e, fetch, facade)));
  else results.push(await checkResourceParameter(e, fetch, `${cloud.authorityHost}/${d.tenantId}`).catch((err: Error) => ({ name: 'RFC 8707 resource accepted by Entra', ok: true, skipped: true, detail: `could not probe: ${err.message}` })));

  const scope = `api://${app.appId}/access_as_user`;
  let token: string;
  try {
    // Without a terminal nobody can complete a device-code sign-in: only the Azure CLI (or MCP_OBO_TOKEN).
    token = ctx.env.MCP_OBO_TOKEN || (await acquireUserToken({ cloud, tenantId: d.tenantId, scope, run, notify: (m) => ctx.stderr.write(m + '\n'), method: ctx.isTTY ? 'auto' : 'cli' })).token;
  } catch (err) {
    if (!ctx.isTTY && !(err instanceof McpOboError && /AADSTS/.test(err.message))) {
      results.push({ name: 'checks as a signed-in user', ok: true, skipped: true, detail: `skipped: no signed-in user (${(err as Error).message.split('\n')[0]}); set MCP_OBO_TOKEN or sign in with az to run them` });
      return results;
    }
    results.push({ name: 'user token', ok: false, detail: (err as Error).message, advice: (err as McpOboError).suggestion ?? `Run \`az login --tenant ${d.tenantId}\`.` });
    return results;
  }
  results.push(await checkTamperedToken(e, fetch, token));
  results.push(...(await mcpChecks(e, token, expected.testInputs)));
  return results;
}

/** The facade's issuer when the server runs it: its authorization server is its own public URL (the resource without /mcp). */
async function facadeIssuer(base: string): Promise<string | undefined> {
  const res = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`).catch(() => undefined);
  const m = res?.status === 200 ? ((await res.json().catch(() => undefined)) as { resource?: string; authorization_servers?: string[] } | undefined) : undefined;
  const issuer = m?.authorization_servers?.[0];
  return issuer !== undefined && m?.resource === `${issuer}/mcp` ? issuer : undefined;
}

/** Why the server refused a real user token, from its challenge. */
async function refusal(e: Expectations, token: string): Promise<CheckResult | undefined> {
  const res = await postMcp(e, fetch, token, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-obo-test', version: '1' } } });
  await res.body?.cancel();
  if (res.status !== 401 && res.status !== 403) return undefined;
  const description = /error_description="([^"]*)"/.exec(res.headers.get('www-authenticate') ?? '')?.[1] ?? `HTTP ${res.status}`;
  const advice = /aud/i.test(description)
    ? "The server refused your token: it was issued for another audience (the server's AZURE_CLIENT_ID is not this deployment's app)."
    : /tenant/i.test(description)
      ? "The server refused your token: it trusts another tenant (the server's AZURE_TENANT_ID / AZURE_AUTHORITY_HOST)."
      : /scope/i.test(description) || res.status === 403
        ? 'Your token lacks the access_as_user scope.'
        : /expired|too old/i.test(description)
          ? 'Your token expired: sign in again (`az login`).'
          : 'The server refused your token; `mcp-obo token --decode` shows what it holds.';
  return { name: 'initialize', ok: false, detail: `HTTP ${res.status}: ${description}`, advice };
}

/**
 * initialize, tools/list (every tool of the deployment listed), then a call of every tool the server
 * marks read-only: with its testInput, or no arguments when it needs none. Tools that write are never called.
 */
async function mcpChecks(e: Expectations, token: string, testInputs: Map<string, unknown>): Promise<CheckResult[]> {
  const refused = await refusal(e, token);
  if (refused) return [refused];
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), import('@modelcontextprotocol/sdk/client/streamableHttp.js')]);
  const client = new Client({ name: 'mcp-obo-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(`${e.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const out: CheckResult[] = [];
  try {
    await client.connect(transport);
    out.push({ name: 'initialize', ok: true, detail: `${client.getServerVersion()?.name ?? '?'} ${client.getServerVersion()?.version ?? ''}`.trim() });
  } catch (err) {
    out.push({ name: 'initialize', ok: false, detail: (err as Error).message.slice(0, 200), advice: 'See the server logs (`mcp-obo logs`).' });
    return out;
  }
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    const missing = e.tools.filter((t) => !names.includes(t));
    out.push(missing.length ? { name: 'tools/list', ok: false, detail: `missing ${missing.join(', ')} (has ${names.join(', ')})`, advice: 'The server runs another version: redeploy it.' } : { name: 'tools/list', ok: true, detail: names.join(', ') });
    for (const t of tools.filter((x) => x.annotations?.readOnlyHint === true)) {
      const args = (testInputs.get(t.name) ?? {}) as Record<string, unknown>;
      const required = (t.inputSchema as { required?: string[] }).required ?? [];
      if (!testInputs.has(t.name) && required.length) {
        out.push({ name: `tools/call ${t.name}`, ok: true, skipped: true, detail: `not called: it needs ${required.join(', ')} (give the tool a testInput to have it checked)` });
        continue;
      }
      const r = (await client.callTool({ name: t.name, arguments: args })) as { isError?: boolean; content?: { type: string; text?: string }[] };
      const text = (r.content ?? []).map((c) => c.text ?? '').join(' ');
      out.push(r.isError ? { name: `tools/call ${t.name}`, ok: false, detail: text.slice(0, 300), advice: adviceForToolError(text) } : { name: `tools/call ${t.name}`, ok: true, detail: 'ok' });
    }
  } finally {
    await client.close();
  }
  return out;
}

export function printResults(results: CheckResult[], ctx: CliContext, json: boolean): void {
  if (json) {
    ctx.stdout.write(JSON.stringify({ ok: results.every((r) => r.ok), checks: results }) + '\n');
    return;
  }
  const w = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    ctx.stdout.write(`${r.skipped ? '○' : r.warning ? '!' : r.ok ? '✔' : '✖'} ${r.name.padEnd(w)}  ${r.detail}\n`);
    if ((!r.ok || r.warning) && r.advice) ctx.stdout.write(`  ${' '.repeat(w)}  → ${r.advice}\n`);
  }
}
