/**
 * `mcp-obo deploy`: image (remote build by default, local Docker, or an existing image), then the
 * Container App and its new revision, verified through the public URL; the MCP URL is saved and
 * offered to VS Code.
 */
import { dirname } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import type { Prompter } from '../cli/prompts.ts';
import { createOutput } from '../cli/output.ts';
import type { DeployResult } from '../contract/commands.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { explain } from '../azure/errors.ts';
import { connect } from '../provision/connect.ts';
import { names } from '../state/naming.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { buildContext } from './context.ts';
import { projectContext } from './project.ts';
import { projectTools } from '../tools/project.ts';
import { containerAppBody, validateShape, type AppShape } from './container-app.ts';
import type { Exec } from './local-build.ts';
import { planImage, provideImage } from './image-step.ts';
import { keptKey } from './unchanged.ts';
import { printDeployPlan } from './dry-run.ts';
import { nextAfter, printNext } from '../overview/next.ts';
import { rollOut } from './rollout.ts';
import { addToVscode } from './vscode.ts';
import { trustedLoginServer } from './trusted.ts';
import { validateDomain } from './domain.ts';
import { bindDomain, preflightDomain } from './domain-flow.ts';
import type { DeployAuth, DomainBinding } from './container-app.ts';
import { facadeKeys } from './facade-key.ts';
import { ensureCallback } from './callback.ts';

export interface DeployOptions {
  deployment?: string;
  build?: string;
  image?: string;
  context?: string;
  cpu?: string;
  memory?: string;
  minReplicas?: string;
  maxReplicas?: string;
  logLevel?: string;
  vscode?: boolean;
  json?: boolean;
  domain?: string;
  dnsZone?: string;
  /** facade (default): clients sign in through the server's authorization facade; entra: straight at Entra ID. */
  auth?: string;
  rotateFacadeKey?: boolean;
  timeout?: string;
  baseImage?: string;
  /** Show the build log as it runs (otherwise: a progress line, and its end on failure). */
  verbose?: boolean;
  /** Build and roll out even when the running image was built from this context. */
  force?: boolean;
  /** Say what would be built and rolled out; change nothing. */
  dryRun?: boolean;
}

/** `--timeout`: 90s, 15m, 1h, or minutes. Bounds each wait: the revision, the managed certificate, AcrPull. */
export function durationOf(v: string | undefined, fallbackMs = 15 * 60_000): number {
  if (v === undefined) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  const ms = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'm') as 's' | 'm' | 'h'] : NaN;
  if (!(ms >= 1000 && ms <= 6 * 3_600_000)) throw new UsageError(`--timeout must be a duration from 1s to 6h like 90s, 15m or 1h (got "${v}")`);
  return ms;
}

/** Said plainly after every deploy straight at Entra (--auth entra) without a custom domain. */
export const RESOURCE_WARNING = (url: string) =>
  `Note: ${url} cannot be an identifier URI of the app (Entra requires a domain verified in your tenant), so MCP clients ` +
  'that send the RFC 8707 resource parameter (recent VS Code, Claude, mcp-remote) are refused by Entra with AADSTS9010010; ' +
  'clients that omit it work. Fix: the default `--auth facade`, or `mcp-obo deploy --domain <host on a verified domain>`.\n';

const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
/** --base-image: a registry image pinned by digest (a tag alone could change under the build). */
const PINNED_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/;

function shapeOf(o: DeployOptions): Omit<AppShape, 'image'> {
  const num = (v: string | undefined, flag: string, fallback: number) => {
    if (v === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${flag} must be a number (got "${v}")`);
    return Number(v);
  };
  const logLevel = (o.logLevel ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new UsageError(`--log-level must be debug, info, warn or error (got "${o.logLevel}")`);
  return { cpu: num(o.cpu, '--cpu', 0.25), memory: o.memory ?? '0.5Gi', minReplicas: num(o.minReplicas, '--min-replicas', 0), maxReplicas: num(o.maxReplicas, '--max-replicas', 10), logLevel };
}

export async function runDeploy(o: DeployOptions, ctx: CliContext, deps: { prompter: Prompter; exec: Exec }): Promise<void> {
  // Everything that can be wrong with the input is checked before any call.
  const build = (o.build ?? 'remote') as 'remote' | 'local';
  if (!['remote', 'local'].includes(build)) throw new UsageError(`--build must be remote or local (got "${build}")`);
  if (o.image && (o.context || o.build)) throw new UsageError('--image deploys an existing image: it cannot be combined with --build or --context');
  if (o.image && !IMAGE_REF.test(o.image)) throw new UsageError(`--image "${o.image}" is not an image reference like myregistry.azurecr.io/mcp-obo:1.2.3`);
  if (o.baseImage && o.image) throw new UsageError('--base-image sets the base of an image deploy builds: it cannot be combined with --image');
  if (o.baseImage && !PINNED_REF.test(o.baseImage)) {
    throw new UsageError(`--base-image "${o.baseImage}" must be an image pinned by digest, like myregistry.azurecr.io/library/node@sha256:<64 hex>`, {
      suggestion: '`az acr import` prints the digest of the imported image; `az acr repository show -n <registry> --image library/node:24-bookworm-slim` shows it later.',
    });
  }
  const buildArgs = o.baseImage ? { NODE_IMAGE: o.baseImage } : undefined;
  const shape = validateShape({ image: o.image ?? 'pending', ...shapeOf(o) });
  const timeoutMs = durationOf(o.timeout);
  if (o.dnsZone && !o.domain) throw new UsageError('--dns-zone needs --domain');
  const authMode = o.auth ?? 'facade';
  if (authMode !== 'facade' && authMode !== 'entra') throw new UsageError(`--auth must be facade or entra (got "${o.auth}")`);
  if (o.rotateFacadeKey && authMode !== 'facade') throw new UsageError('--rotate-facade-key needs --auth facade');
  const requestedDomain = o.domain === undefined ? undefined : validateDomain(o.domain);
  if (o.dryRun && o.json) throw new UsageError('--dry-run prints a plan for people; it cannot be combined with --json');
  if (o.force && o.image) throw new UsageError('--force rebuilds the image: it cannot be combined with --image');
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, o.deployment));
  const d = store.deployment;
  const missing = (['environment', 'registry', 'identity', 'acrPull', 'application', 'federatedCredential'] as const).filter((k) => !d.resources[k]);
  if (missing.length) throw new UsageError(`the deployment is not fully provisioned (missing: ${missing.join(', ')})`, { code: 'not-provisioned', suggestion: 'Run `mcp-obo provision` first.' });
  // A project with its own tools is built as itself (its tools and locked dependencies); otherwise the package's server.
  const tools = projectTools(store.path, d);
  const project = !o.image && !o.context && tools.modules.length ? await projectContext(tools.root, tools.modules) : undefined;
  const contextPromise = o.image ? undefined : buildContext(project ? { contextDir: project.dir, dockerfile: project.dockerfile } : { contextDir: o.context });
  contextPromise?.finally(() => project?.close()).catch(() => {});
  contextPromise?.catch(() => {}); // awaited below; meanwhile a failure must not count as unhandled
  const n = names(d);
  const conn = await connect(d, ctx);
  const status = (m: string) => (o.json ? ctx.stdout.write(JSON.stringify({ event: 'status', message: m }) + '\n') : ctx.stderr.write(`${m}\n`));
  // Where the image goes and the app pulls from (and, for a local build, where an Entra token is sent): from Azure, never the file.
  const loginServer = await trustedLoginServer(conn.azure, conn.cloud, d).catch((err: unknown) => {
    throw err instanceof McpOboError ? err : explain(err, { subscriptionId: d.subscriptionId, action: 'reading the container registry' });
  });
  const image0 = o.image ? undefined : { conn, ctx, exec: deps.exec, context: await contextPromise!, build, buildArgs, resourceGroup: n.resourceGroup, registry: n.registry, containerApp: n.containerApp, tenantId: d.tenantId, loginServer, force: o.force === true, verbose: o.verbose === true, json: o.json === true, status };
  const imagePlan = image0
    ? await planImage(image0).catch((err: unknown) => {
        throw err instanceof McpOboError ? err : explain(err, { subscriptionId: d.subscriptionId, action: 'reading the container app' });
      })
    : undefined;
  if (o.dryRun) return printDeployPlan(ctx, { app: n.containerApp, exists: Boolean(store.deployment.resources.containerApp), given: o.image, plan: imagePlan, context: image0?.context, build, domain: requestedDomain ?? d.domain });
  if (d.resources.registry!.loginServer !== loginServer) {
    status(`the deployment file says the registry is ${JSON.stringify(d.resources.registry!.loginServer)}, Azure says ${loginServer}: using and saving Azure's`);
    await store.setResource('registry', { ...d.resources.registry!, name: n.registry, loginServer });
  }
  // A domain given now, or remembered from an earlier deploy --domain.
  const domainName = requestedDomain ?? d.domain;
  const domainOpts = domainName ? { domain: domainName, dnsZone: o.dnsZone, status, timeoutMs } : undefined;
  const domainState = domainOpts ? await preflightDomain(conn, store, domainOpts) : undefined;

  let image = o.image;
  let excluded: string[] | undefined;
  if (image0 && imagePlan) {
    excluded = [...(project?.excluded ?? []), ...image0.context.excluded];
    if (excluded.length) {
      const shown = excluded.length > 20 ? `${excluded.slice(0, 20).join(', ')} and ${excluded.length - 20} more` : excluded.join(', ');
      status(`not uploaded, as they may hold secrets: ${shown}`);
    }
    image = await provideImage(image0, imagePlan);
  }
  const built = imagePlan?.key ?? (o.image ? await keptKey(conn.azure, n.resourceGroup, n.containerApp, o.image) : undefined);

  let auth: DeployAuth = { mode: 'entra' };
  if (authMode === 'facade') {
    // With nothing to build, this is the deploy's first call that needs write rights: a refusal is explained here.
    const keys = await facadeKeys(conn.azure, n.resourceGroup, n.containerApp, o.rotateFacadeKey === true).catch((err: unknown) => {
      throw err instanceof McpOboError ? err : explain(err, { subscriptionId: d.subscriptionId, action: "reading the container app's secrets" });
    });
    if (keys.origin !== 'kept') status(keys.origin === 'new' ? 'made a sign-in key for the authorization facade (a Container Apps secret)' : 'rotated the authorization facade key; the previous one still opens existing sessions');
    auth = { mode: 'facade', keys };
  }
  const roll = async (binding?: DomainBinding) => {
    try {
      return await rollOut({
        azure: conn.azure, clock: conn.clock, resourceGroup: n.resourceGroup, name: n.containerApp, body: containerAppBody(store.deployment, { ...shape, image: image!, build: built }, auth, binding),
        onStatus: status, timeoutMs, acrPullId: store.deployment.resources.acrPull?.id,
      });
    } catch (err) {
      throw err instanceof McpOboError ? err : explain(err, { subscriptionId: d.subscriptionId, action: 'deploying the container app' });
    }
  };
  const saveApp = (r: Awaited<ReturnType<typeof roll>>, mcpUrl: string) =>
    store.update((x) => ({ ...x, mcpUrl, resources: { ...x.resources, containerApp: { name: n.containerApp, id: r.app.id!, fqdn: r.fqdn, image: image!, revision: r.revision } } }));
  let binding: DomainBinding | undefined = domainState?.bound ? { name: domainName!, certificateId: store.deployment.resources.customDomain!.certificateId } : undefined;
  if (domainOpts && !binding) {
    // The host name needs an app to attach to: a first deploy rolls out at the default URL first.
    if (!store.deployment.resources.containerApp) {
      status(`deploying ${image} to ${n.containerApp} (default URL first, for the domain to attach to)`);
      const first = await roll();
      await saveApp(first, `https://${first.fqdn}/mcp`);
    }
    binding = await bindDomain(conn, store, { ...shape, image: image!, build: built }, auth, domainOpts);
  }
  const previous = store.deployment.resources.containerApp?.revision;
  status(`deploying ${image} to ${n.containerApp}`);
  const rolled = await roll(binding);
  // Container Apps makes a revision only when the template changes: an unchanged image with the same settings keeps the old one.
  if (rolled.revision === previous) status(`unchanged: revision ${rolled.revision} keeps serving (no new revision: nothing in its template changed)`);
  const mcpUrl = binding ? `https://${binding.name}/mcp` : `https://${rolled.fqdn}/mcp`;
  await saveApp(rolled, mcpUrl);
  if (auth.mode === 'facade') await ensureCallback(conn, store, new URL(mcpUrl).host, status);

  let vscode: { path: string; written: boolean; snippet: string } | undefined;
  const wantVscode = o.vscode ?? (deps.prompter.interactive ? await deps.prompter.confirm({ message: `Add ${mcpUrl} to .vscode/mcp.json?`, default: true, flag: '--vscode' }) : false);
  if (wantVscode) vscode = await addToVscode(dirname(store.path), `mcp-obo-${n.slug}`, mcpUrl);

  const result: DeployResult = {
    mcpUrl,
    image: image!,
    revision: rolled.revision,
    auth: auth.mode,
    excluded: excluded ?? null,
    vscode: vscode?.written ? vscode.path : null,
    warning: binding || auth.mode === 'facade' ? null : RESOURCE_WARNING(mcpUrl).trim(),
  };
  createOutput(ctx, { json: o.json, stream: true }).result(result, (r) => {
    ctx.stdout.write(`${r.mcpUrl}\n`);
    if (vscode && !vscode.written) ctx.stderr.write(`${vscode.path} is not plain JSON; add this entry yourself:\n${vscode.snippet}\n`);
    else if (vscode) ctx.stderr.write(`added to ${vscode.path}\n`);
    else ctx.stderr.write('Add it to VS Code with `mcp-obo deploy --vscode`.\n');
    if (r.warning) ctx.stderr.write(`${r.warning}\n`);
    printNext(nextAfter('deploy', store.deployment, store.path), ctx.stderr);
  });
}
