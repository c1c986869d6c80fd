/**
 * Creating or updating the Container App and waiting until the new revision is provisioned,
 * running and answering /health through the public ingress. On failure it says why: the
 * revision's state and reason, and the last lines the container printed.
 */
import type { ContainerApp, Revision } from '@azure/arm-appcontainers';
import type { Clock } from '../clock.ts';
import type { AzureClients } from '../azure/clients.ts';
import { McpOboError } from '../errors.ts';
import { streamLogs } from './logs.ts';

export interface RolloutInput {
  azure: AzureClients;
  clock: Clock;
  resourceGroup: string;
  name: string;
  body: ContainerApp;
  onStatus: (message: string) => void;
  fetch?: typeof fetch;
  /** How long the revision may take to run and answer /health. Default 10 min. */
  timeoutMs?: number;
}

export interface Rollout {
  app: ContainerApp;
  revision: string;
  fqdn: string;
}

const RUNNING = new Set(['Running', 'RunningAtMaxScale']);

export async function rollOut(i: RolloutInput): Promise<Rollout> {
  const client = await i.azure.containerApps();
  const deadline = i.clock.now() + (i.timeoutMs ?? 10 * 60_000);
  let app: ContainerApp;
  try {
    app = await client.containerApps.createOrUpdate(i.resourceGroup, i.name, i.body, { updateIntervalInMs: i.azure.pollIntervalMs });
  } catch (err) {
    // The operation fails when its new revision does (ContainerAppOperationError): explain it by that revision.
    const latest = (await client.containerApps.get(i.resourceGroup, i.name).catch(() => undefined))?.latestRevisionName;
    const rev = latest ? await client.containerAppsRevisions.getRevision(i.resourceGroup, i.name, latest).catch(() => undefined) : undefined;
    if (latest && rev && (rev.provisioningState === 'Failed' || rev.runningState === 'Failed')) return fail(i, latest, rev, (err as Error).message.split('\n')[0]);
    throw err;
  }
  const revision = app.latestRevisionName;
  const fqdn = app.configuration?.ingress?.fqdn;
  if (!revision || !fqdn) throw new McpOboError(`container app ${i.name} has no revision or ingress host after the update`);
  i.onStatus(`revision ${revision}: provisioning`);

  let rev: Revision | undefined;
  let last = '';
  for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
    rev = await client.containerAppsRevisions.getRevision(i.resourceGroup, i.name, revision);
    const state = `${rev.provisioningState ?? '?'} / ${rev.runningState ?? '?'}`;
    if (state !== last) i.onStatus(`revision ${revision}: ${state}`);
    last = state;
    if (rev.provisioningState === 'Failed' || rev.runningState === 'Failed' || rev.runningState === 'Degraded') return fail(i, revision, rev);
    if (rev.provisioningState === 'Provisioned' && (RUNNING.has(rev.runningState ?? '') || rev.runningState === 'Activating')) break;
    if (i.clock.now() > deadline) return fail(i, revision, rev, 'did not start in time');
    await i.clock.sleep(Math.min(wait, i.azure.pollIntervalMs * 4));
  }

  // Through the public ingress, as clients will reach it (this also wakes an app scaled to zero).
  const health = `https://${fqdn}/health`;
  for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
    const ok = await (i.fetch ?? fetch)(health, { signal: AbortSignal.timeout(30_000) }).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (i.clock.now() > deadline) return fail(i, revision, await client.containerAppsRevisions.getRevision(i.resourceGroup, i.name, revision), `${health} never answered 200`);
    await i.clock.sleep(Math.min(wait, i.azure.pollIntervalMs * 4));
  }
  i.onStatus(`revision ${revision}: healthy at https://${fqdn}`);
  return { app, revision, fqdn };
}

async function fail(i: RolloutInput, revision: string, rev: Revision, why?: string): Promise<never> {
  const reason = [why, rev.provisioningError, rev.healthState === 'Unhealthy' ? 'unhealthy' : undefined].filter(Boolean).join('; ');
  const lines: string[] = [];
  await streamLogs({ azure: i.azure, resourceGroup: i.resourceGroup, app: i.name, tail: 20, follow: false, onLine: (l) => lines.push(l), fetch: i.fetch }).catch(() => undefined);
  throw new McpOboError(
    `revision ${revision} is not healthy (${rev.provisioningState ?? '?'} / ${rev.runningState ?? '?'})${reason ? `: ${reason}` : ''}${lines.length ? `\nlast log lines:\n  ${lines.slice(-20).join('\n  ')}` : ''}`,
    { suggestion: /UNAUTHORIZED|pull|manifest/i.test(reason) ? 'The image could not be pulled: rerun `mcp-obo provision` (AcrPull) and `mcp-obo deploy`.' : 'See `mcp-obo logs`; fix the cause and rerun `mcp-obo deploy`.' },
  );
}
