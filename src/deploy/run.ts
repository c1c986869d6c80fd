/**
 * `mcp-obo deploy`: image (remote build by default, local Docker, or an existing image), then the
 * Container App and its new revision, verified through the public URL; the MCP URL is saved and
 * offered to VS Code.
 */
import type { CliContext } from '../cli/context.ts';
import type { Prompter } from '../cli/prompts.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { explain } from '../azure/errors.ts';
import { connect } from '../provision/connect.ts';
import { names } from '../state/naming.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { buildContext, imageTag } from './context.ts';
import { containerAppBody, validateShape, type AppShape } from './container-app.ts';
import { remoteBuild } from './remote-build.ts';
import { localBuild, type Exec } from './local-build.ts';
import { rollOut } from './rollout.ts';
import { addToVscode } from './vscode.ts';

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
}

const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

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
  const build = o.build ?? 'remote';
  if (!['remote', 'local'].includes(build)) throw new UsageError(`--build must be remote or local (got "${build}")`);
  if (o.image && (o.context || o.build)) throw new UsageError('--image deploys an existing image: it cannot be combined with --build or --context');
  if (o.image && !IMAGE_REF.test(o.image)) throw new UsageError(`--image "${o.image}" is not an image reference like myregistry.azurecr.io/mcp-obo:1.2.3`);
  const shape = validateShape({ image: o.image ?? 'pending', ...shapeOf(o) });
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, o.deployment));
  const d = store.deployment;
  const missing = (['environment', 'registry', 'identity', 'acrPull', 'application', 'federatedCredential'] as const).filter((k) => !d.resources[k]);
  if (missing.length) throw new UsageError(`the deployment is not fully provisioned (missing: ${missing.join(', ')})`, { suggestion: 'Run `mcp-obo provision` first.' });
  const contextPromise = o.image ? undefined : buildContext({ contextDir: o.context });
  const n = names(d);
  const conn = await connect(d, ctx);
  const status = (m: string) => (o.json ? ctx.stdout.write(JSON.stringify({ event: 'status', message: m }) + '\n') : ctx.stderr.write(`${m}\n`));

  let image = o.image;
  if (!image) {
    const context = await contextPromise!;
    const imageName = `mcp-obo:${imageTag(context.digest, new Date(conn.clock.now()))}`;
    status(`building ${d.resources.registry!.loginServer}/${imageName} (${context.files.length} files, ${(context.archive.length / 1024).toFixed(0)} KiB context, ${build === 'remote' ? 'in the registry' : 'with local Docker'})`);
    const onLog = (text: string) => (o.json ? undefined : ctx.stderr.write(text));
    try {
      image =
        build === 'remote'
          ? await remoteBuild({ azure: conn.azure, clock: conn.clock, resourceGroup: n.resourceGroup, registry: d.resources.registry!.name, loginServer: d.resources.registry!.loginServer, imageName, context, onLog })
          : await localBuild({ exec: deps.exec, credential: conn.azure.credential, cloud: conn.cloud, tenantId: d.tenantId, loginServer: d.resources.registry!.loginServer, imageName, context, onLog });
    } catch (err) {
      throw err instanceof McpOboError ? err : explain(err, { action: 'building the image' });
    }
  }

  status(`deploying ${image} to ${n.containerApp}`);
  let rolled;
  try {
    rolled = await rollOut({ azure: conn.azure, clock: conn.clock, resourceGroup: n.resourceGroup, name: n.containerApp, body: containerAppBody(d, { ...shape, image }), onStatus: status });
  } catch (err) {
    throw err instanceof McpOboError ? err : explain(err, { subscriptionId: d.subscriptionId, action: 'deploying the container app' });
  }
  const mcpUrl = `https://${rolled.fqdn}/mcp`;
  await store.update((x) => ({ ...x, mcpUrl, resources: { ...x.resources, containerApp: { name: n.containerApp, id: rolled.app.id!, fqdn: rolled.fqdn, image, revision: rolled.revision } } }));

  let vscode: { path: string; written: boolean; snippet: string } | undefined;
  const wantVscode = o.vscode ?? (deps.prompter.interactive ? await deps.prompter.confirm({ message: `Add ${mcpUrl} to .vscode/mcp.json?`, default: true, flag: '--vscode' }) : false);
  if (wantVscode) vscode = await addToVscode(ctx.cwd, `mcp-obo-${n.slug}`, mcpUrl);

  if (o.json) {
    ctx.stdout.write(JSON.stringify({ event: 'summary', mcpUrl, image, revision: rolled.revision, vscode: vscode?.written ? vscode.path : undefined }) + '\n');
    return;
  }
  ctx.stdout.write(`${mcpUrl}\n`);
  if (vscode && !vscode.written) ctx.stderr.write(`${vscode.path} is not plain JSON; add this entry yourself:\n${vscode.snippet}\n`);
  else if (vscode) ctx.stderr.write(`added to ${vscode.path}\n`);
  else ctx.stderr.write('Add it to VS Code with `mcp-obo deploy --vscode`, then check it with `mcp-obo test`.\n');
}
