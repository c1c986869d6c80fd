/** `cleanup --list`: every mcp-obo deployment in the subscription and tenant, for lost ids. */
import type { CliContext } from '../cli/context.ts';
import type { AzureClients } from '../azure/clients.ts';
import type { GraphApi } from '../graph/client.ts';
import { codeOf } from '../azure/errors.ts';
import { isOurGroupName } from './discover.ts';

export interface ListedDeployment {
  id: string;
  name?: string;
  location?: string;
  created?: string;
  resources: string[];
}

/** `onNote` hears what could not be looked at (an identity that may not read app registrations). */
export async function listDeployments(azure: AzureClients, graph: GraphApi, onNote: (note: string) => void = () => {}): Promise<ListedDeployment[]> {
  const byId = new Map<string, ListedDeployment>();
  const entry = (id: string) => byId.get(id) ?? (byId.set(id, { id, resources: [] }), byId.get(id)!);
  for await (const rg of (await azure.resources()).resourceGroups.list()) {
    const id = rg.tags?.['mcp-obo-id'];
    // A tag on a group not named like ours is a look-alike, not a deployment (see discover.ts).
    if (!id || !isOurGroupName(rg.name ?? '', id, undefined, rg.tags?.['mcp-obo-deployment'])) continue;
    const e = entry(id);
    e.name ??= rg.tags?.['mcp-obo-deployment'];
    e.location = rg.location;
    e.resources.push(`resource group ${rg.name}`);
  }
  // A pipeline's identity often may read Azure but not the directory: list what it can see, and say so.
  const apps = await graph.list<{ displayName: string; tags?: string[]; createdDateTime?: string }>(`/applications?$filter=startswith(displayName,'MCP OAuth2 OBO Server (')&$select=displayName,tags,createdDateTime`).catch((err: unknown) => {
    if (codeOf(err) !== 'Authorization_RequestDenied') throw err;
    onNote('app registrations were not searched: this identity may not read them (Microsoft Graph Application.Read.All, or a user account)');
    return [];
  });
  for (const app of apps) {
    const id = app.tags?.find((t) => t.startsWith('mcp-obo-id:'))?.slice('mcp-obo-id:'.length);
    if (!id) continue;
    const e = entry(id);
    e.name ??= /\(([a-z0-9]+-[a-z0-9]+)-[a-z0-9]+\)$/.exec(app.displayName)?.[1];
    e.created = app.createdDateTime;
    e.resources.push('app registration');
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export function printDeployments(list: ListedDeployment[], ctx: CliContext): void {
  if (!list.length) {
    ctx.stdout.write('No mcp-obo deployments found.\n');
    return;
  }
  ctx.stdout.write('ID        DEPLOYMENT          REGION          CREATED               FOUND\n');
  for (const d of list) {
    ctx.stdout.write(`${d.id.padEnd(10)}${(d.name ?? '?').padEnd(20)}${(d.location ?? '?').padEnd(16)}${(d.created ?? '?').slice(0, 19).padEnd(22)}${d.resources.join(', ')}\n`);
  }
  ctx.stderr.write('Remove one with `mcp-obo cleanup --id <id> --tenant <tenant> --subscription <subscription>`.\n');
}
