/**
 * Creating or updating the Container App and waiting until the new revision serves. The app's PUT
 * succeeds as soon as the revision is created, before it runs (and in single revision mode the old
 * revision keeps 100% of the traffic until the new one is ready), so success is: the revision is
 * `latestReadyRevisionName`, in a ready state, and the replica answering /health at the public URL
 * names it. On failure it says why: the revision's state, its replicas' details and their last log lines.
 */
import type { ContainerApp, Revision } from '@azure/arm-appcontainers';
import type { Clock } from '../clock.ts';
import type { AzureClients } from '../azure/clients.ts';
import { McpOboError } from '../errors.ts';
import { REVISION_HEADER } from '../server/health.ts';
import { explainPullRefusal } from './acr-pull-wait.ts';
import { streamLogs } from './logs.ts';
import { describe, isPullAuthorizationError, reasons, verdict } from './revision-state.ts';

export interface RolloutInput {
  azure: AzureClients;
  clock: Clock;
  resourceGroup: string;
  name: string;
  body: ContainerApp;
  onStatus: (message: string) => void;
  fetch?: typeof fetch;
  /** How long the revision may take to run and answer /health, AcrPull waits included. Default 15 min. */
  timeoutMs?: number;
  /** The identity's AcrPull role assignment (deployment file), to tell its propagation delay from a real refusal. */
  acrPullId?: string;
}

export interface Rollout {
  app: ContainerApp;
  revision: string;
  fqdn: string;
}

type Client = Awaited<ReturnType<AzureClients['containerApps']>>;
const backoff = (attempt: number, capMs: number) => Math.min(capMs, 500 * 2 ** attempt);

export async function rollOut(i: RolloutInput): Promise<Rollout> {
  const client = await i.azure.containerApps();
  const deadline = i.clock.now() + (i.timeoutMs ?? 15 * 60_000);
  for (let attempt = 0; ; attempt++) {
    // A retry after a refused pull needs a new revision: the same template would name the failed one again.
    const body = attempt === 0 ? i.body : { ...i.body, template: { ...i.body.template, revisionSuffix: `pull${attempt}-${(i.clock.now() % 1e6).toString(36)}` } };
    const outcome = await putAndWait(i, client, body, deadline);
    if (outcome.kind === 'ok') return outcome.rollout;
    // The registry refused the identity: the AcrPull assignment may still be propagating after `provision`.
    const refusal = await explainPullRefusal(i.azure, i.acrPullId, i.clock.now());
    const wait = backoff(attempt + 4, i.azure.pollIntervalMs * 25);
    if (!refusal.propagating || i.clock.now() + wait > deadline) {
      return fail(i, outcome.revision, outcome.rev, `the registry refused the image pull: ${refusal.why}`, {
        suggestion: refusal.propagating
          ? 'Wait a few minutes and rerun `mcp-obo deploy` (the role assignment is still being applied).'
          : 'Run `mcp-obo provision` (it restores AcrPull for the identity on the registry), then `mcp-obo deploy`.',
      });
    }
    i.onStatus(`revision ${outcome.revision}: the registry refused the pull; ${refusal.why}. Retrying in ${Math.round(wait / 1000)} s with a new revision.`);
    await i.clock.sleep(wait);
  }
}

type Outcome = { kind: 'ok'; rollout: Rollout } | { kind: 'pull-refused'; revision: string; rev: Revision };

async function putAndWait(i: RolloutInput, client: Client, body: ContainerApp, deadline: number): Promise<Outcome> {
  let app: ContainerApp;
  try {
    app = await client.containerApps.createOrUpdate(i.resourceGroup, i.name, body, { updateIntervalInMs: i.azure.pollIntervalMs });
  } catch (err) {
    // The operation fails when its new revision does (ContainerAppOperationError): explain it by that revision.
    const latest = (await client.containerApps.get(i.resourceGroup, i.name).catch(() => undefined))?.latestRevisionName;
    const rev = latest ? await client.containerAppsRevisions.getRevision(i.resourceGroup, i.name, latest).catch(() => undefined) : undefined;
    if (!latest || !rev || verdict(rev) === 'ready' || verdict(rev) === 'waiting') throw err;
    if (verdict(rev) === 'pull-refused' || isPullAuthorizationError((err as Error).message)) return { kind: 'pull-refused', revision: latest, rev };
    return fail(i, latest, rev, (err as Error).message.split('\n')[0]);
  }
  const revision = app.latestRevisionName;
  const fqdn = app.configuration?.ingress?.fqdn;
  if (!revision || !fqdn) throw new McpOboError(`container app ${i.name} has no revision or ingress host after the update`);
  i.onStatus(`revision ${revision}: provisioning`);

  let last = '';
  for (let n = 0; ; n++) {
    const [rev, current]: [Revision, ContainerApp] = await Promise.all([client.containerAppsRevisions.getRevision(i.resourceGroup, i.name, revision), client.containerApps.get(i.resourceGroup, i.name)]);
    const ready = current.latestReadyRevisionName === revision;
    const state = `${describe(rev)}${ready ? '' : `, traffic on ${current.latestReadyRevisionName ?? 'no revision yet'}`}`;
    if (state !== last) i.onStatus(`revision ${revision}: ${state}`);
    last = state;
    const v = verdict(rev);
    if (v === 'pull-refused') return { kind: 'pull-refused', revision, rev };
    if (v === 'failed') return fail(i, revision, rev);
    if (v === 'ready' && ready) break;
    if (i.clock.now() > deadline) return fail(i, revision, rev, `it did not become ready in time (traffic still on ${current.latestReadyRevisionName ?? 'no revision'})`);
    await i.clock.sleep(Math.min(backoff(n, 10_000), i.azure.pollIntervalMs * 4));
  }

  // Through the public ingress, as clients reach it (this also wakes a revision scaled to zero), until the
  // replica that answers is the new revision's.
  const health = `https://${fqdn}/health`;
  for (let n = 0; ; n++) {
    const res = await (i.fetch ?? fetch)(health, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    await res?.body?.cancel();
    const by = res?.headers.get(REVISION_HEADER) ?? undefined;
    // A server that does not name its revision (an image of your own) is taken at Azure's word.
    if (res?.status === 200 && (by === undefined || by === revision)) break;
    const answered = res === undefined ? 'no answer' : res.status !== 200 ? `HTTP ${res.status}` : `answered by revision ${by}`;
    const rev = await client.containerAppsRevisions.getRevision(i.resourceGroup, i.name, revision);
    if (verdict(rev) === 'failed') return fail(i, revision, rev);
    if (i.clock.now() > deadline) return fail(i, revision, rev, `${health} did not answer from this revision in time (last: ${answered})`);
    await i.clock.sleep(Math.min(backoff(n, 5000), i.azure.pollIntervalMs * 4));
  }
  i.onStatus(`revision ${revision}: healthy at https://${fqdn}`);
  return { kind: 'ok', rollout: { app, revision, fqdn } };
}

/** The revision's failure with Azure's reasons and the container's last lines, as one error. */
async function fail(i: RolloutInput, revision: string, rev: Revision, why?: string, o: { suggestion?: string } = {}): Promise<never> {
  const client = await i.azure.containerApps();
  const details: string[] = [];
  const replicas = await client.containerAppsRevisionReplicas.listReplicas(i.resourceGroup, i.name, revision).catch(() => undefined);
  for (const r of replicas?.value ?? []) {
    details.push(r.runningStateDetails ?? '', ...(r.containers ?? []).map((c) => c.runningStateDetails ?? ''));
  }
  const lines: string[] = [];
  await streamLogs({ azure: i.azure, resourceGroup: i.resourceGroup, app: i.name, revision, tail: 20, follow: false, onLine: (l) => lines.push(l), fetch: i.fetch }).catch(() => undefined);
  const reason = reasons(rev, details.map((d) => d.split('\n')[0]!), why);
  const pull = isPullAuthorizationError(reason);
  // The registry answered "no such image": a name or tag that was never pushed, not a missing AcrPull.
  const missing = !pull && /MANIFEST_UNKNOWN|manifest unknown|manifest .* (is )?not found/i.test(reason);
  const image = i.body.template?.containers?.[0]?.image ?? 'the image';
  throw new McpOboError(
    `revision ${revision} is not healthy (${describe(rev)})${reason ? `: ${reason}` : ''}${lines.length ? `\nlast log lines:\n  ${lines.slice(-20).join('\n  ')}` : ''}`,
    {
      suggestion:
        o.suggestion ??
        (pull
          ? 'The registry refused the identity: rerun `mcp-obo provision` (AcrPull) and `mcp-obo deploy`.'
          : missing
            ? `The registry has no ${image}: check the name and tag (\`az acr repository show-tags --name ${image.split('.')[0]} --repository ${image.replace(/^[^/]+\//, '').replace(/[:@].*$/, '')}\`), or run \`mcp-obo deploy\` without --image to build and push it. The previous revision (if any) keeps serving.`
            : `The previous revision (if any) keeps serving. See its own words with \`mcp-obo logs --revision ${revision}\`; fix the cause and rerun \`mcp-obo deploy\`.`),
    },
  );
}
