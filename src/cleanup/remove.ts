/**
 * Deleting what discovery found, in a safe order and in parallel where independent: consent
 * grants before the service principal, the service principal before the app, the resource group
 * (with everything in it) beside the Entra work; local files last. A failure is recorded and the
 * rest still goes.
 */
import { readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { AzureClients } from '../azure/clients.ts';
import { explain, isNotFound } from '../azure/errors.ts';
import type { GraphApi } from '../graph/client.ts';
import { PROVISION_KEYS, readEnvFile, updateEnvFile } from '../state/env-local.ts';
import { writeFileAtomic } from '../state/store.ts';
import type { Found } from './discover.ts';

export interface Removal {
  item: Found;
  ok: boolean;
  /** Purged from the tenant's deleted items too. */
  purged?: boolean;
  error?: string;
}

export interface RemoveOptions {
  azure: AzureClients;
  graph: GraphApi;
  wait: boolean;
  purge: boolean;
  retry<T>(label: string, fn: () => Promise<T>, opts?: { propagation?: boolean }): Promise<T>;
  onProgress: (message: string) => void;
  /** Deletes a repository variable (`owner/name`, variable) through gh. */
  deleteVariable?: (repository: string, name: string) => Promise<void>;
}


async function attempt(item: Found, fn: () => Promise<boolean | void>, o: RemoveOptions): Promise<Removal> {
  try {
    const purged = await fn();
    o.onProgress(`✔ ${item.name}: deleted${purged ? ' and purged' : ''}`);
    return { item, ok: true, purged: purged === true };
  } catch (err) {
    if (isNotFound(err)) return { item, ok: true }; // already gone: the goal is met
    const reason = explain(err).message;
    o.onProgress(`✖ ${item.name}: ${reason}`);
    return { item, ok: false, error: reason };
  }
}

async function purge(o: RemoveOptions, objectId: string): Promise<boolean> {
  if (!o.purge) return false;
  // The deleted item may take a moment to appear in the recycle bin.
  await o.retry('purge', () => o.graph.delete(`/directory/deletedItems/${objectId}`), { propagation: true });
  return true;
}

async function removeLocal(item: Found): Promise<void> {
  if (item.detail === 'the deployment file' || item.detail === 'the GitHub workflow') return rm(item.id, { force: true });
  if (basename(item.id) === 'mcp.json') {
    const config = JSON.parse(await readFile(item.id, 'utf8')) as { servers?: Record<string, unknown> };
    const key = /"([^"]+)"/.exec(item.detail ?? '')?.[1];
    if (key && config.servers) delete config.servers[key];
    return writeFileAtomic(item.id, JSON.stringify(config, null, 2) + '\n');
  }
  const changes = Object.fromEntries(PROVISION_KEYS.map((k) => [k, undefined]));
  await updateEnvFile(item.id, changes, '# mcp-obo: the deployment these settings were for was cleaned up.');
  if (Object.keys(await readEnvFile(item.id)).length === 0) await rm(item.id, { force: true });
}

export async function removeAll(items: Found[], o: RemoveOptions): Promise<Removal[]> {
  const of = (kind: Found['kind']) => items.filter((i) => i.kind === kind);
  const entra = (async () => {
    const out: Removal[] = [];
    out.push(...(await Promise.all(of('permissionGrant').map((g) => attempt(g, () => o.retry('grant', () => o.graph.delete(`/oauth2PermissionGrants/${g.id}`)), o)))));
    // Service principals are restorable deleted items too (security groups are deleted at once), so --purge purges them as well.
    out.push(...(await Promise.all(of('servicePrincipal').map((sp) => attempt(sp, async () => (await o.retry('service principal', () => o.graph.delete(`/servicePrincipals/${sp.id}`)), purge(o, sp.id)), o)))));
    out.push(
      ...(await Promise.all([
        ...of('application').map((a) => attempt(a, async () => (await o.retry('app registration', () => o.graph.delete(`/applications/${a.id}`)), purge(o, a.id)), o)),
        // Security groups are deleted for good at once (only Microsoft 365 groups go to deleted items).
        ...of('group').map((g) => attempt(g, () => o.retry('group', () => o.graph.delete(`/groups/${g.id}`)), o)),
      ])),
    );
    return out;
  })();
  const arm = Promise.all(
    of('resourceGroup').map((rg) =>
      attempt(
        rg,
        async () => {
          const poller = (await o.azure.resources()).resourceGroups.delete(rg.name, { updateIntervalInMs: o.azure.pollIntervalMs });
          if (o.wait) await poller;
          else await poller.submitted();
        },
        o,
      ),
    ),
  );
  const github = Promise.all(
    of('repositoryVariable').map((v) =>
      attempt(
        v,
        async () => {
          if (!o.deleteVariable) throw new Error('gh is not available: delete it in the repository settings (Secrets and variables > Actions > Variables)');
          const [repository, name] = v.id.split('#') as [string, string];
          await o.deleteVariable(repository, name);
        },
        o,
      ),
    ),
  );
  const done = [...(await entra), ...(await arm), ...(await github)];
  // Local files only once nothing in Azure still needs their ids.
  const remote = done.every((r) => r.ok);
  for (const f of of('localFile')) {
    if (!remote && f.detail === 'the deployment file') {
      done.push({ item: f, ok: false, error: 'kept because some Azure or Entra objects remain; rerun `mcp-obo cleanup` after fixing them' });
      continue;
    }
    done.push(await attempt(f, () => removeLocal(f), o));
  }
  return done;
}
