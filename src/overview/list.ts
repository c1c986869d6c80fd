/**
 * `mcp-obo list`: the deployments here (their files, in the nearest deployment folder) and, with
 * `--all`, every mcp-obo deployment Azure and Entra know of in the subscription and tenant (by the
 * `mcp-obo-id` marker), the ones with a file here marked, so a deployment whose file is lost can
 * be found and removed. `cleanup --list` is the older name of `list --all`.
 */
import { join } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import type { ListResult } from '../contract/commands.ts';
import { UsageError } from '../errors.ts';
import { listDeployments } from '../cleanup/list.ts';
import { connect } from '../provision/connect.ts';
import { DeploymentSchema, type Deployment } from '../state/deployment.ts';
import { deploymentName, findDeploymentFolder } from '../state/locate.ts';
import { validateGuid } from '../state/naming.ts';
import { readDeployment } from '../state/store.ts';

export interface ListOptions {
  all?: boolean;
  tenant?: string;
  subscription?: string;
  cloud?: string;
  json?: boolean;
}

export type LocalDeployment = ListResult['local'][number];
/** What `list` reports: the contract's `list` result (src/contract/commands.ts). */
export type Listed = ListResult;

const STATE_LABEL: Record<LocalDeployment['state'], string> = { 'not-provisioned': 'not provisioned', 'provisioned-in-part': 'provisioned in part', provisioned: 'provisioned', deployed: 'deployed' };

function stateOf(d: Deployment): LocalDeployment['state'] {
  const r = d.resources;
  if (r.containerApp) return 'deployed';
  if (!Object.keys(r).length) return 'not-provisioned';
  return r.federatedCredential && r.acrPull && r.groupAssignment ? 'provisioned' : 'provisioned-in-part';
}

export async function localDeployments(cwd: string): Promise<{ folder: string | null; local: LocalDeployment[] }> {
  const folder = await findDeploymentFolder(cwd);
  const local: LocalDeployment[] = [];
  for (const f of folder?.files ?? []) {
    const file = join(folder!.dir, f);
    const d = await readDeployment(file);
    local.push({ name: deploymentName(f), id: d.id, file, tenantId: d.tenantId, subscriptionId: d.subscriptionId, location: d.location, state: stateOf(d), mcpUrl: d.mcpUrl ?? null });
  }
  return { folder: folder?.dir ?? null, local };
}

/** Where `--all` searches: the flags, the environment, else the deployments here (when they agree). */
function scope(o: ListOptions, ctx: CliContext, local: LocalDeployment[]): { tenantId: string; subscriptionId: string; cloud: Deployment['cloud'] } {
  const one = <T>(values: T[]) => (new Set(values).size === 1 ? values[0] : undefined);
  const tenant = o.tenant ?? ctx.env.MCP_OBO_TENANT ?? ctx.env.AZURE_TENANT_ID ?? one(local.map((l) => l.tenantId));
  const subscription = o.subscription ?? ctx.env.MCP_OBO_SUBSCRIPTION ?? ctx.env.AZURE_SUBSCRIPTION_ID ?? one(local.map((l) => l.subscriptionId));
  if (!tenant || !subscription) {
    throw new UsageError('listing every deployment needs the tenant and subscription to search', {
      suggestion: 'Pass them: `mcp-obo list --all --tenant <tenant id> --subscription <subscription id>` (or set AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID).',
    });
  }
  const cloud = DeploymentSchema.shape.cloud.parse(o.cloud ?? ctx.env.MCP_OBO_CLOUD ?? 'AzureCloud');
  return { tenantId: validateGuid('--tenant', tenant), subscriptionId: validateGuid('--subscription', subscription), cloud };
}

export async function runList(o: ListOptions, ctx: CliContext): Promise<Listed> {
  const { folder, local } = await localDeployments(ctx.cwd);
  if (!o.all) return { all: false, folder, local, azure: null, notes: [] };
  const conn = await connect(scope(o, ctx, local), ctx);
  // What it could not search goes to stderr as it happens (as `cleanup --list` says it) and into the result.
  const notes: string[] = [];
  const found = await listDeployments(conn.azure, conn.graph, (n) => {
    notes.push(n);
    ctx.stderr.write(`note: ${n}\n`);
  });
  return { all: true, folder, local, azure: found.map((f) => ({ ...f, here: local.find((l) => l.id === f.id)?.name ?? null })), notes };
}

export function printListed(l: Listed, ctx: Pick<CliContext, 'stdout' | 'stderr'>): void {
  const out = (s: string) => ctx.stdout.write(s + '\n');
  if (!l.azure) {
    if (!l.local.length) {
      out('No deployment here.');
      ctx.stderr.write('Create one with `mcp-obo init`; `mcp-obo list --all` finds those in your subscription.\n');
      return;
    }
    out(`Deployments in ${l.folder}:`);
    const w = Math.max(4, ...l.local.map((d) => d.name.length));
    out(`  ${'NAME'.padEnd(w)}  ${'ID'.padEnd(8)}  ${'REGION'.padEnd(14)}  ${'STATE'.padEnd(19)}  MCP URL`);
    for (const d of l.local) out(`  ${d.name.padEnd(w)}  ${d.id.padEnd(8)}  ${d.location.padEnd(14)}  ${STATE_LABEL[d.state].padEnd(19)}  ${d.mcpUrl ?? '-'}`);
    ctx.stderr.write('Details: `mcp-obo show --deployment <name>`.\n');
    return;
  }
  if (!l.azure.length) {
    out('No mcp-obo deployments found in the subscription and tenant.');
    return;
  }
  out('ID        DEPLOYMENT          REGION          CREATED               HERE          FOUND');
  for (const d of l.azure) {
    out(`${d.id.padEnd(10)}${(d.name ?? '?').padEnd(20)}${(d.location ?? '?').padEnd(16)}${(d.created ?? '?').slice(0, 19).padEnd(22)}${(d.here ?? '-').padEnd(14)}${d.resources.join(', ')}`);
  }
  if (l.azure.some((d) => !d.here)) ctx.stderr.write('Remove one whose file is lost with `mcp-obo cleanup --id <id> --tenant <tenant id> --subscription <subscription id>`.\n');
}
