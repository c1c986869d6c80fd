/**
 * `mcp-obo tools list`: every tool the project offers (packs and its own modules), where it comes
 * from, whether it only reads, and its delegated permissions per API; with a provisioned deployment,
 * also whether each permission has admin consent.
 */
import type { CliContext } from '../../cli/context.ts';
import { apiName } from '../../server/obo/client.ts';
import { DeploymentStore, locateDeployment } from '../../state/store.ts';
import { loadTools, type ToolSource } from '../load.ts';
import { DEFAULT_PACKS } from '../packs/names.ts';
import { projectTools } from '../project.ts';
import { toolsFromFlags as parseServerConfigTools } from '../../server/config.ts';

export interface ToolRow {
  name: string;
  title: string | null;
  from: string;
  readOnly: boolean;
  destructive: boolean;
  /** Per API (graph, devops, or an identifier URI): permission names. */
  scopes: Record<string, string[]>;
}

export interface PermissionRow {
  resource: string;
  permission: string;
  status: 'granted' | 'missing' | 'unknown';
}

export function toolRows(sources: readonly ToolSource[]): ToolRow[] {
  return sources.map(({ tool, from }) => ({
    name: tool.name,
    title: tool.title ?? null,
    from,
    readOnly: tool.annotations?.readOnlyHint === true,
    destructive: tool.annotations?.destructiveHint === true,
    scopes: Object.fromEntries(Object.entries(tool.scopes).map(([r, s]) => [r, [...s]])),
  }));
}

/** Human lines: one per tool, its permissions, and their consent when known. */
export function renderTools(rows: readonly ToolRow[], consent: readonly PermissionRow[] | undefined): string {
  const status = (resource: string, permission: string) => {
    const hit = consent?.find((c) => c.resource === apiName(resource) && c.permission === permission);
    return hit ? (hit.status === 'granted' ? ' ✔' : hit.status === 'missing' ? ' ✖ not consented' : '') : '';
  };
  const width = Math.max(...rows.map((r) => r.name.length), 4);
  const lines = rows.map((r) => {
    const kind = r.readOnly ? 'read' : r.destructive ? 'DESTRUCTIVE' : 'writes';
    const perms = Object.entries(r.scopes).flatMap(([res, list]) => list.map((p) => `${res === 'graph' || res === 'devops' ? res : apiName(res)}:${p}${status(res, p)}`));
    return `${r.name.padEnd(width)}  ${kind.padEnd(11)}  ${r.from.padEnd(22)}  ${perms.join(', ') || '(no API)'}`;
  });
  return `${'tool'.padEnd(width)}  ${'kind'.padEnd(11)}  ${'from'.padEnd(22)}  permissions\n${lines.join('\n')}\n`;
}

export interface ListOptions {
  deployment?: string;
  packs?: string;
  tools?: string[];
  json?: boolean;
  /** Check consent with Azure (default: when the deployment has an app registration). */
  consent?: boolean;
}

/** Which tools: flags first, then the deployment file, then the defaults. */
export async function listTools(opts: ListOptions, ctx: CliContext, checkConsent?: (store: DeploymentStore, sources: readonly ToolSource[]) => Promise<PermissionRow[]>): Promise<{ tools: ToolRow[]; permissions: PermissionRow[] | null; deployment: string | null }> {
  let store: DeploymentStore | undefined;
  try {
    store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  } catch (err) {
    if (opts.deployment) throw err;
  }
  const fromFile = store ? projectTools(store.path, store.deployment) : { packs: [...DEFAULT_PACKS], modules: [], root: ctx.cwd };
  const flagged = parseServerConfigTools({ packs: opts.packs, tools: opts.tools, cwd: ctx.cwd });
  const packs = opts.packs !== undefined ? flagged.packs : fromFile.packs;
  const modules = opts.tools?.length ? flagged.modules : fromFile.modules;
  const sources = await loadTools({ packs, modules, cwd: ctx.cwd });
  const canCheck = store?.deployment.resources.servicePrincipal && opts.consent !== false && checkConsent;
  const permissions = canCheck ? await checkConsent(store!, sources) : null;
  return { tools: toolRows(sources), permissions, deployment: store?.path ?? null };
}
