/** `mcp-obo test`: the checks in order, against a local or deployed server. */
import type { CliContext } from '../cli/context.ts';
import type { TestResult } from '../contract/commands.ts';
import { systemClock, type Clock } from '../clock.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { resolveCloud } from '../cloud.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { deployedServerUrl } from '../deploy/trusted.ts';
import { acquireUserToken, signInMethod, tokenFromEnv, type Run } from '../token/acquire.ts';
import { adviceForToolError, checkChallenge, checkForgedToken, checkHealth, checkMetadata, checkResourceParameter, checkTamperedToken, postMcp, type CheckResult, type Expectations } from './checks.ts';
import { facadeChecks } from './facade-checks.ts';
import { advertisedClientId, wrongAppAdvice } from './identity.ts';
import { FRESH_SECRET_MS, SECRET_RETRY_WAITS_MS, assignmentAdvice, isSecretRefusal, replicatingAdvice, secretMadeAt, signInName } from './advice.ts';
import { deploymentName } from '../state/locate.ts';
import { dirname } from 'node:path';
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

export async function runTest(opts: TestOptions, ctx: CliContext, run: Run): Promise<{ url: string; results: CheckResult[] }> {
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
  if (!health.ok) return { url: base, results };
  // The server names its authorization server: itself (the facade, the default) or Entra (MCP_OBO_AUTH=entra).
  const metadata = await resourceMetadata(base);
  const facade = facadeIssuer(metadata);
  if (facade) e.authorizationServer = facade;
  // When the server is another app than the deployment's, every check that shows it says exactly why.
  const wrongApp = await wrongAppAdvice(advertisedClientId(metadata?.scopes_supported), app.appId, deploymentName(store.path), dirname(store.path), ctx.env);
  const explainApp = (list: CheckResult[]) => (wrongApp ? list.map((r) => (r.ok ? r : { ...r, advice: wrongApp })) : list);
  results.push(...explainApp([await checkMetadata(e, fetch), await checkChallenge(e, fetch)]), await checkForgedToken(e, fetch, d.tenantId));
  if (facade) results.push(...(await facadeChecks(e, fetch, facade)));
  else results.push(await checkResourceParameter(e, fetch, `${cloud.authorityHost}/${d.tenantId}`).catch((err: Error) => ({ id: 'entra-resource-parameter', name: 'RFC 8707 resource accepted by Entra', ok: true, skipped: true, detail: `could not probe: ${err.message}` })));

  const scope = `api://${app.appId}/access_as_user`;
  let token: string;
  try {
    // Without a terminal nobody can complete a device-code sign-in: only the Azure CLI (or MCP_OBO_TOKEN).
    token = (tokenFromEnv(ctx.env) ?? (await acquireUserToken({ cloud, tenantId: d.tenantId, scope, run, notify: (m) => ctx.stderr.write(m + '\n'), method: signInMethod(ctx), deployment: deploymentName(store.path) }))).token;
  } catch (err) {
    if (signInMethod(ctx) === 'cli' && !(err instanceof McpOboError && /AADSTS/.test(err.message))) {
      results.push({ id: 'user-token', name: 'checks as a signed-in user', ok: true, skipped: true, detail: `skipped: no signed-in user (${(err as Error).message.split('\n')[0]}); set MCP_OBO_TOKEN or sign in with az to run them` });
      return { url: base, results };
    }
    const advice = /AADSTS50105/.test((err as Error).message) ? assignmentAdvice(d, deploymentName(store.path), undefined) : (err as McpOboError).suggestion;
    results.push({ id: 'user-token', name: 'user token', ok: false, detail: (err as Error).message, advice: advice ?? `Run \`az login --tenant ${d.tenantId}\`.` });
    return { url: base, results };
  }
  results.push(await checkTamperedToken(e, fetch, token));
  const madeAt = local ? secretMadeAt(d) : undefined;
  const clock = systemClock;
  const tools = await mcpChecks(e, token, expected.testInputs, {
    // A local server's secret refused minutes after provision made it is still replicating: wait for it, briefly.
    replicating: (text) => madeAt !== undefined && isSecretRefusal(text) && clock.now() - madeAt < FRESH_SECRET_MS,
    notify: (m) => ctx.stderr.write(`${m}\n`),
    clock,
  });
  const name = deploymentName(store.path);
  results.push(
    ...explainApp(tools).map((r): CheckResult => {
      if (r.ok) return r;
      if (/AADSTS50105/.test(r.detail)) return { ...r, advice: assignmentAdvice(d, name, signInName(token)) };
      if (madeAt !== undefined && isSecretRefusal(r.detail) && clock.now() - madeAt < 10 * 60_000) return { ...r, advice: replicatingAdvice(clock.now() - madeAt) };
      return r;
    }),
  );
  return { url: base, results };
}

type ResourceMetadata = { resource?: string; authorization_servers?: string[]; scopes_supported?: string[] };

async function resourceMetadata(base: string): Promise<ResourceMetadata | undefined> {
  const res = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`).catch(() => undefined);
  return res?.status === 200 ? ((await res.json().catch(() => undefined)) as ResourceMetadata | undefined) : undefined;
}

/** The facade's issuer when the server runs it: its authorization server is its own public URL (the resource without /mcp). */
function facadeIssuer(m: ResourceMetadata | undefined): string | undefined {
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
  return { id: 'initialize', name: 'initialize', ok: false, detail: `HTTP ${res.status}: ${description}`, advice };
}

interface ToolRetry {
  /** Whether a tool error is worth another try after a short wait. */
  replicating(text: string): boolean;
  notify(message: string): void;
  clock: Clock;
}

/**
 * initialize, tools/list (every tool of the deployment listed), then a call of every tool the server
 * marks read-only: with its testInput, or no arguments when it needs none. Tools that write are never called.
 */
async function mcpChecks(e: Expectations, token: string, testInputs: Map<string, unknown>, retry: ToolRetry): Promise<CheckResult[]> {
  const refused = await refusal(e, token);
  if (refused) return [refused];
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), import('@modelcontextprotocol/sdk/client/streamableHttp.js')]);
  const client = new Client({ name: 'mcp-obo-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(`${e.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const out: CheckResult[] = [];
  try {
    await client.connect(transport);
    out.push({ id: 'initialize', name: 'initialize', ok: true, detail: `${client.getServerVersion()?.name ?? '?'} ${client.getServerVersion()?.version ?? ''}`.trim() });
  } catch (err) {
    out.push({ id: 'initialize', name: 'initialize', ok: false, detail: (err as Error).message.slice(0, 200), advice: 'See the server logs (`mcp-obo logs`).' });
    return out;
  }
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    const missing = e.tools.filter((t) => !names.includes(t));
    out.push(missing.length ? { id: 'tools-list', name: 'tools/list', ok: false, detail: `missing ${missing.join(', ')} (has ${names.join(', ')})`, advice: 'The server runs another version: redeploy it.' } : { id: 'tools-list', name: 'tools/list', ok: true, detail: names.join(', ') });
    for (const t of tools.filter((x) => x.annotations?.readOnlyHint === true)) {
      const args = (testInputs.get(t.name) ?? {}) as Record<string, unknown>;
      const required = (t.inputSchema as { required?: string[] }).required ?? [];
      if (!testInputs.has(t.name) && required.length) {
        out.push({ id: `tool.${t.name}`, name: `tools/call ${t.name}`, ok: true, skipped: true, detail: `not called: it needs ${required.join(', ')} (give the tool a testInput to have it checked)` });
        continue;
      }
      const call = async () => {
        const r = (await client.callTool({ name: t.name, arguments: args })) as { isError?: boolean; content?: { type: string; text?: string }[] };
        return { r, text: (r.content ?? []).map((c) => c.text ?? '').join(' ') };
      };
      let { r, text } = await call();
      for (const wait of SECRET_RETRY_WAITS_MS) {
        if (!r.isError || !retry.replicating(text)) break;
        retry.notify(`tools/call ${t.name}: Entra does not accept the server's new client secret yet (AADSTS7000215); a new secret takes a few minutes to work everywhere. Retrying in ${wait / 1000} s.`);
        await retry.clock.sleep(wait);
        ({ r, text } = await call());
      }
      out.push(r.isError ? { id: `tool.${t.name}`, name: `tools/call ${t.name}`, ok: false, detail: text.slice(0, 300), advice: adviceForToolError(text) } : { id: `tool.${t.name}`, name: `tools/call ${t.name}`, ok: true, detail: 'ok' });
    }
  } finally {
    await client.close();
  }
  return out;
}

/** The result of `mcp-obo test`, from its checks; failed when any check failed. */
export function testResult(url: string, results: CheckResult[]): { result: TestResult; error?: McpOboError } {
  const checks = results.map((r) => ({ id: r.id, name: r.name, ok: r.ok, skipped: r.skipped ?? false, warning: r.warning ?? false, detail: r.detail, advice: r.advice ?? null }));
  const failed = checks.filter((c) => !c.ok);
  const result: TestResult = { url, checks };
  if (!failed.length) return { result };
  return { result, error: new McpOboError(`${failed.length} of ${checks.length} checks failed (${failed.map((c) => c.id).join(', ')})`, { code: 'checks-failed', suggestion: failed[0]!.advice ?? undefined }) };
}

export function renderResults(r: Pick<TestResult, 'checks'>, ctx: CliContext): void {
  const w = Math.max(...r.checks.map((c) => c.name.length));
  for (const c of r.checks) {
    ctx.stdout.write(`${c.skipped ? '○' : c.warning ? '!' : c.ok ? '✔' : '✖'} ${c.name.padEnd(w)}  ${c.detail}\n`);
    if ((!c.ok || c.warning) && c.advice) ctx.stdout.write(`  ${' '.repeat(w)}  → ${c.advice}\n`);
  }
  ctx.stdout.write(`\n${countLine(r.checks)}\n`);
}

/** One line that says how it went: "12 passed, 1 skipped, 0 failed" (warnings are passes, counted apart). */
export function countLine(checks: Pick<TestResult['checks'][number], 'ok' | 'skipped' | 'warning'>[]): string {
  const skipped = checks.filter((c) => c.skipped).length;
  const failed = checks.filter((c) => !c.ok).length;
  const warnings = checks.filter((c) => c.ok && !c.skipped && c.warning).length;
  const passed = checks.length - skipped - failed;
  return `${passed} passed${warnings ? ` (${warnings} with a warning)` : ''}, ${skipped} skipped, ${failed} failed`;
}
