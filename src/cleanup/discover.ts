/**
 * What belongs to a deployment id, found in the subscription, the tenant and the working folder.
 * Ours means marked with the id: the `mcp-obo-id` tag on resource groups, the `mcp-obo-id:{id}`
 * tag on the app registration, the `mcpobo-{prefix}-{env}-{id}` mail nickname on the group.
 * Look-alikes (the name pattern with the id as a whole token, but no marker) are reported as
 * not ours and kept unless asked. A resource group needs its name as well as the tag: anyone with
 * tag-write rights can tag `rg-prod-payments`, and a tag alone must not get it deleted; such a
 * group is listed as not ours and never deleted. Reads only.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AzureClients } from '../azure/clients.ts';
import type { GraphApi } from '../graph/client.ts';
import { ENV_LOCAL, SERVER_NAMES, envFileSlug, pick, readEnvFile } from '../state/env-local.ts';
import { DEPLOYMENT_FILE_PATTERN } from '../state/deployment.ts';
import { ENV, PREFIX } from '../state/naming.ts';
import { writtenByUs } from '../pipeline/workflow.ts';

export type Kind = 'resourceGroup' | 'application' | 'servicePrincipal' | 'group' | 'permissionGrant' | 'localFile' | 'repositoryVariable';

export interface Found {
  kind: Kind;
  /** What a user recognises: a name or a path. */
  name: string;
  /** ARM id, Graph object id, or file path. */
  id: string;
  ours: boolean;
  /** Why it is not ours, for kept look-alikes. */
  note?: string;
  /** Carries our marker but not our name: kept even with --include-untagged. */
  tagOnly?: boolean;
  /** For local files: what would be removed from it. */
  detail?: string;
}

const APP_PREFIX = 'MCP OAuth2 OBO Server (';
/** The pipeline's app registration (`pipeline github --app`). */
const DEPLOYER_PREFIX = 'MCP OAuth2 OBO Server Deployer (';
const GROUP_PREFIX = 'MCP OAuth2 OBO Server Users (';

/** `{prefix}-{env}-{id}` with exactly this id as its last token. */
export function slugHasId(slug: string, id: string): boolean {
  const parts = slug.split('-');
  return parts.length === 3 && parts[2] === id && /^[a-z0-9]+$/.test(parts[0]!) && /^[a-z0-9]+$/.test(parts[1]!);
}

function slugIn(name: string, prefix: string): string | undefined {
  return name.startsWith(prefix) && name.endsWith(')') ? name.slice(prefix.length, -1) : undefined;
}

/**
 * Whether a resource group name is the deployment's: exactly `expected` when the deployment file
 * says what it is, else `rg-{prefix}-{env}-{id}` with a valid prefix and env (and, when the group
 * carries the `mcp-obo-deployment` tag, the same prefix-env).
 */
export function isOurGroupName(name: string, id: string, expected: string | undefined, deploymentTag: string | undefined): boolean {
  if (expected) return name.toLowerCase() === expected.toLowerCase();
  const m = /^rg-([a-z0-9]+)-([a-z0-9]+)-([a-z0-9]+)$/.exec(name);
  if (!m || m[3] !== id || !PREFIX.test(m[1]!) || !ENV.test(m[2]!)) return false;
  return deploymentTag === undefined || deploymentTag === `${m[1]}-${m[2]}`;
}

/** Resource groups of deployment `id`; `expectedName` is `rg-{prefix}-{env}-{id}` when the deployment file is at hand. */
export async function discoverArm(azure: AzureClients, id: string, expectedName?: string): Promise<Found[]> {
  const client = await azure.resources();
  const out: Found[] = [];
  for await (const rg of client.resourceGroups.list()) {
    const name = rg.name ?? '';
    const tagged = rg.tags?.['mcp-obo-id'] === id;
    const named = isOurGroupName(name, id, expectedName, rg.tags?.['mcp-obo-deployment']);
    const lookalike = name.startsWith('rg-') && slugHasId(name.slice(3), id);
    if (tagged && named) out.push({ kind: 'resourceGroup', name, id: rg.id!, ours: true });
    else if (tagged) out.push({ kind: 'resourceGroup', name, id: rg.id!, ours: false, tagOnly: true, note: `tagged mcp-obo-id=${id}, but not named ${expectedName ?? `rg-{prefix}-{env}-${id}`}: a tag alone does not make it ours` });
    else if (lookalike) out.push({ kind: 'resourceGroup', name, id: rg.id!, ours: false, note: 'no mcp-obo-id tag' });
  }
  return out;
}

export async function discoverEntra(graph: GraphApi, id: string): Promise<Found[]> {
  const out: Found[] = [];
  const apps = (
    await Promise.all([APP_PREFIX, DEPLOYER_PREFIX].map(async (prefix) => (await graph.list<{ id: string; appId: string; displayName: string; tags?: string[] }>(`/applications?$filter=startswith(displayName,'${prefix}')&$select=id,appId,displayName,tags`)).map((a) => ({ ...a, prefix }))))
  ).flat();
  for (const app of apps) {
    const slug = slugIn(app.displayName, app.prefix);
    const tagged = app.tags?.includes(`mcp-obo-id:${id}`) ?? false;
    if (!tagged && !(slug && slugHasId(slug, id))) continue;
    out.push({ kind: 'application', name: app.displayName, id: app.id, ours: tagged, note: tagged ? undefined : 'no mcp-obo-id tag' });
    if (!tagged) continue;
    const sps = await graph.list<{ id: string; displayName: string }>(`/servicePrincipals?$filter=appId eq '${app.appId}'&$select=id,displayName`);
    for (const sp of sps) {
      out.push({ kind: 'servicePrincipal', name: `${sp.displayName} (service principal)`, id: sp.id, ours: true });
      const grants = await graph.list<{ id: string; scope?: string; resourceId: string }>(`/oauth2PermissionGrants?$filter=clientId eq '${sp.id}'`);
      for (const g of grants) out.push({ kind: 'permissionGrant', name: `consent grant "${(g.scope ?? '').trim()}"`, id: g.id, ours: true });
    }
  }
  const groups = await graph.list<{ id: string; displayName: string; mailNickname?: string }>(`/groups?$filter=startswith(displayName,'${GROUP_PREFIX}')&$select=id,displayName,mailNickname`);
  for (const g of groups) {
    const slug = slugIn(g.displayName, GROUP_PREFIX);
    if (!slug || !slugHasId(slug, id)) continue;
    const ours = g.mailNickname === `mcpobo-${slug}`;
    out.push({ kind: 'group', name: g.displayName, id: g.id, ours, note: ours ? undefined : 'mail nickname is not mcp-obo\'s' });
  }
  return out;
}

/** What `pipeline github` recorded in the deployment file: its workflow and repository variable. */
export interface PipelineRecord {
  repository: string;
  workflow?: string;
  variable?: string;
}

/** The repository variable `pipeline github` set (removed through gh). */
export function discoverPipeline(p: PipelineRecord | undefined): Found[] {
  return p?.variable ? [{ kind: 'repositoryVariable', name: `${p.repository} variable ${p.variable}`, id: `${p.repository}#${p.variable}`, ours: true }] : [];
}

/** Local files a deployment wrote: its deployment file, the secret lines of its env file, the VS Code entry, the GitHub workflow. */
export async function discoverLocal(cwd: string, id: string, appIds: string[], pipeline?: PipelineRecord): Promise<Found[]> {
  const out: Found[] = [];
  if (pipeline?.workflow) {
    const path = join(cwd, pipeline.workflow);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined && writtenByUs(text)) out.push({ kind: 'localFile', name: pipeline.workflow, id: path, ours: true, detail: 'the GitHub workflow' });
  }
  for (const f of (await readdir(cwd)).filter((x) => DEPLOYMENT_FILE_PATTERN.test(x))) {
    const d = JSON.parse(await readFile(join(cwd, f), 'utf8').catch(() => '{}')) as { id?: string };
    if (d.id === id) out.push({ kind: 'localFile', name: f, id: join(cwd, f), ours: true, detail: 'the deployment file' });
  }
  // The deployment's own env file and a shared .env.local: by the deployment their header names, or the app id they hold.
  for (const f of (await readdir(cwd)).filter((x) => x === ENV_LOCAL || /^\.env\.[a-z0-9]+-[a-z0-9]+\.local$/.test(x)).sort()) {
    const path = join(cwd, f);
    const slug = await envFileSlug(path);
    const clientId = pick(await readEnvFile(path), SERVER_NAMES.clientId);
    if ((slug && slugHasId(slug, id)) || (clientId && appIds.includes(clientId))) {
      out.push({ kind: 'localFile', name: f, id: path, ours: true, detail: 'the server settings, client secret and facade key' });
    }
  }
  const vscode = join(cwd, '.vscode', 'mcp.json');
  if (existsSync(vscode)) {
    try {
      const servers = (JSON.parse(await readFile(vscode, 'utf8')) as { servers?: Record<string, unknown> }).servers ?? {};
      const key = Object.keys(servers).find((k) => /^mcp-obo-/.test(k) && slugHasId(k.slice('mcp-obo-'.length), id));
      if (key) out.push({ kind: 'localFile', name: '.vscode/mcp.json', id: vscode, ours: true, detail: `the "${key}" server entry` });
    } catch {
      // Not plain JSON (comments): left alone.
    }
  }
  return out;
}
