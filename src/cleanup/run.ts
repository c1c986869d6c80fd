/**
 * `mcp-obo cleanup`: find what a deployment id made, show it, confirm, delete it in a safe order,
 * and report what remains. `--list` finds every mcp-obo deployment, for lost ids.
 */
import { dirname } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import { createOutput, type Output } from '../cli/output.ts';
import type { Prompter } from '../cli/prompts.ts';
import type { CleanupResult } from '../contract/commands.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { connect } from '../provision/connect.ts';
import { azureRetry } from '../provision/run.ts';
import { DeploymentSchema, type Deployment } from '../state/deployment.ts';
import { ID, names, validateGuid } from '../state/naming.ts';
import { locateDeployment, readDeployment } from '../state/store.ts';
import { discoverArm, discoverEntra, discoverLocal, discoverPipeline, type Found, type PipelineRecord } from './discover.ts';
import { removeAll, type RemoveOptions } from './remove.ts';
import type { Run } from '../token/acquire.ts';
import { listDeployments, printDeployments } from './list.ts';

export interface CleanupOptions {
  deployment?: string;
  id?: string;
  tenant?: string;
  subscription?: string;
  cloud?: string;
  includeUntagged?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  purge?: boolean;
  wait?: boolean;
  json?: boolean;
  list?: boolean;
}

interface Target {
  id: string | undefined;
  tenantId: string;
  subscriptionId: string;
  cloud: Deployment['cloud'];
  appId?: string;
  /** rg-{prefix}-{env}-{id}, when the deployment file says prefix and env. */
  resourceGroup?: string;
  /** What `pipeline github` made outside Azure (the workflow, the repository variable). */
  pipeline?: PipelineRecord;
  /** Where the local files are: the deployment file's folder, or the working folder. */
  dir: string;
}

/** What to clean and where to look: the deployment file, or --id / --list with the tenant and subscription. */
async function target(o: CleanupOptions, ctx: CliContext): Promise<Target> {
  if (o.id !== undefined && !ID.test(o.id)) throw new UsageError(`--id "${o.id}" is not a deployment id (4-8 lower-case letters and digits)`);
  let fromFile: Deployment | undefined;
  let dir = ctx.cwd;
  try {
    const path = await locateDeployment(ctx.cwd, o.deployment);
    fromFile = await readDeployment(path);
    dir = dirname(path);
  } catch (err) {
    if (o.deployment || (o.id === undefined && !o.list)) throw err;
  }
  if (fromFile && (o.id === undefined || fromFile.id === o.id)) {
    return { id: fromFile.id, tenantId: fromFile.tenantId, subscriptionId: fromFile.subscriptionId, cloud: fromFile.cloud, appId: fromFile.resources.application?.appId, resourceGroup: names(fromFile).resourceGroup, pipeline: fromFile.resources.pipeline, dir };
  }
  const where = o.list ? '--list' : '--id';
  const tenant = o.tenant ?? ctx.env.MCP_OBO_TENANT ?? ctx.env.AZURE_TENANT_ID ?? fromFile?.tenantId;
  const subscription = o.subscription ?? ctx.env.MCP_OBO_SUBSCRIPTION ?? ctx.env.AZURE_SUBSCRIPTION_ID ?? fromFile?.subscriptionId;
  if (!tenant || !subscription) throw new UsageError(`${where} needs the tenant and subscription to search`, { suggestion: 'Pass --tenant and --subscription (or set AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID).' });
  const cloud = DeploymentSchema.shape.cloud.parse(o.cloud ?? ctx.env.MCP_OBO_CLOUD ?? 'AzureCloud');
  return { id: o.id, tenantId: validateGuid('--tenant', tenant), subscriptionId: validateGuid('--subscription', subscription), cloud, dir: ctx.cwd };
}

export async function runCleanup(o: CleanupOptions, ctx: CliContext, prompter: Prompter, run?: Run): Promise<void> {
  if (o.list && (o.yes || o.purge || o.dryRun)) throw new UsageError('--list only lists: it cannot be combined with --yes, --purge or --dry-run');
  const t = await target(o, ctx);
  const conn = await connect(t, ctx);
  const out = createOutput(ctx, { json: o.json, stream: true });

  if (o.list) {
    ctx.stderr.write('note: `cleanup --list` is now `mcp-obo list --all` (this form keeps working).\n');
    out.result({ mode: 'list', deployments: await listDeployments(conn.azure, conn.graph, (n) => ctx.stderr.write(`note: ${n}\n`)) } satisfies CleanupResult, (r) => printDeployments(r.deployments, ctx));
    return;
  }

  const id = t.id!;
  const [arm, entra] = await Promise.all([discoverArm(conn.azure, id, t.resourceGroup), discoverEntra(conn.graph, id)]);
  const appIds = (await Promise.all(entra.filter((f) => f.kind === 'application' && f.ours).map((a) => conn.graph.get<{ appId: string }>(`/applications/${a.id}?$select=appId`).then((x) => x.appId)))).filter(Boolean);
  const local = await discoverLocal(t.dir, id, [...appIds, ...(t.appId ? [t.appId] : [])], t.pipeline);
  const found = [...arm, ...entra, ...discoverPipeline(t.pipeline), ...local];
  const doomed = found.filter((f) => f.ours || (o.includeUntagged && f.kind !== 'localFile' && !f.tagOnly));
  const kept = found.filter((f) => !doomed.includes(f));
  show(ctx, out, o, id, doomed, kept);

  const none: CleanupResult = { mode: 'clean', id, dryRun: Boolean(o.dryRun), deleted: [], remaining: [], cancelled: false };
  if (doomed.length === 0 || o.dryRun) return out.result(none, () => {});
  if (!o.yes) {
    if (!prompter.interactive) throw new UsageError('cleanup deletes these objects: without a terminal it needs --yes', { suggestion: 'Rerun with --yes (or --dry-run to only list).' });
    if (!(await prompter.confirm({ message: `Delete these ${doomed.length} objects${o.purge ? ' (and purge them)' : ''}?`, default: false, flag: '--yes' }))) {
      return out.result({ ...none, cancelled: true }, () => ctx.stderr.write('Nothing was deleted.\n'));
    }
  }
  const results = await removeAll(doomed, { azure: conn.azure, graph: conn.graph, wait: o.wait ?? true, purge: Boolean(o.purge), retry: azureRetry(conn.clock), deleteVariable: await variableDeleter(run), onProgress: (m) => (out.json ? out.event({ event: 'status', message: m }) : ctx.stderr.write(m + '\n')) });
  const failed = results.filter((r) => !r.ok);
  const result: CleanupResult = { ...none, deleted: results.filter((r) => r.ok).map((r) => ({ ...r.item, purged: r.purged })), remaining: failed.map((r) => ({ ...r.item, reason: r.error ?? 'unknown' })) };
  if (failed.length) {
    const err = new McpOboError(`cleanup of ${id} is incomplete; ${failed.length} object(s) remain:\n  - ${failed.map((r) => `${r.item.name}: ${r.error}`).join('\n  - ')}`, {
      code: 'cleanup-incomplete',
      suggestion: 'Fix the reasons above (often missing rights), then rerun `mcp-obo cleanup`; it picks up what remains.',
    });
    throw out.failed(result, err, () => {});
  }
  out.result(result, () => ctx.stdout.write(`Deployment ${id} is cleaned up${o.wait === false ? ' (resource group deletion continues in Azure)' : ''}.\n`));
}

/** gh's `variable delete`, when gh is installed and signed in. */
async function variableDeleter(run: Run | undefined): Promise<RemoveOptions['deleteVariable']> {
  if (!run) return undefined;
  const { Gh } = await import('../pipeline/github.ts');
  const gh = new Gh(run);
  if (await gh.unavailable()) return undefined;
  return (repository, name) => {
    const [owner, repo] = repository.split('/') as [string, string];
    return gh.deleteVariable({ owner, name: repo }, name);
  };
}

function show(ctx: CliContext, out: Output, o: CleanupOptions, id: string, doomed: Found[], kept: Found[]): void {
  if (out.json) {
    out.event({ event: 'found', id, delete: doomed, kept });
    return;
  }
  if (doomed.length === 0 && kept.length === 0) {
    ctx.stdout.write(`Nothing found for deployment ${id}: nothing to clean up.\n`);
    return;
  }
  const w = Math.max(...[...doomed, ...kept].map((f) => f.kind.length));
  if (doomed.length) ctx.stdout.write(`${o.dryRun ? 'Would delete' : 'To delete'} (deployment ${id}):\n`);
  for (const f of doomed) ctx.stdout.write(`  ${f.kind.padEnd(w)}  ${f.name}${f.detail ? ` (${f.detail})` : ''}${f.ours ? '' : ` [untagged: ${f.note}]`}\n`);
  if (kept.length) ctx.stdout.write(`Not ours, kept${kept.some((f) => !f.tagOnly && f.kind !== 'localFile') ? ' (--include-untagged deletes the untagged ones)' : ''}:\n`);
  for (const f of kept) ctx.stdout.write(`  ${f.kind.padEnd(w)}  ${f.name} (${f.note})\n`);
}
