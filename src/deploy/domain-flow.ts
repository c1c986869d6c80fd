/**
 * `deploy --domain` around the normal deploy: checks that change nothing first (verified domain,
 * DNS records when the app exists), then hostname, managed certificate, identifier URI, and the
 * binding that the final rollout keeps.
 */
import type { ContainerApp } from '@azure/arm-appcontainers';
import type { Connection } from '../provision/connect.ts';
import type { DeploymentStore } from '../state/store.ts';
import { names } from '../state/naming.ts';
import { McpOboError } from '../errors.ts';
import { optional } from '../plan/steps/util.ts';
import { azureRetry } from '../provision/run.ts';
import { analyse, checkVerified, createRecords, describeRecords, managedCertificate, requiredRecords, type Validation, waitForRecords } from './domain.ts';
import { containerAppBody, type AppShape, type DeployAuth, type DomainBinding } from './container-app.ts';

export interface DomainOptions {
  domain: string;
  dnsZone?: string;
  status: (message: string) => void;
  /** Bounds the waits for DNS records and the managed certificate. */
  timeoutMs: number;
}

async function currentApp(conn: Connection, store: DeploymentStore): Promise<ContainerApp | undefined> {
  const n = names(store.deployment);
  return optional(async () => (await conn.azure.containerApps()).containerApps.get(n.resourceGroup, n.containerApp));
}

/** DNS records in place, creating them in an Azure DNS zone when asked; otherwise says which to create. Returns the certificate validation they allow. */
async function ensureRecords(conn: Connection, store: DeploymentStore, app: ContainerApp, o: DomainOptions): Promise<Validation> {
  const d = store.deployment;
  const n = names(d);
  const env = await (await conn.azure.containerApps()).managedEnvironments.get(n.resourceGroup, n.environment);
  const records = requiredRecords(o.domain, app, env);
  if (o.dnsZone) {
    o.status(`creating the DNS records in the Azure DNS zone ${o.dnsZone}`);
    await createRecords(conn.azure, o.dnsZone, records);
  }
  const { failure, validation } = o.dnsZone ? await waitForRecords(conn.azure, conn.clock, n.resourceGroup, n.containerApp, o.domain, Math.min(o.timeoutMs, 5 * 60_000)) : await analyse(conn.azure, n.resourceGroup, n.containerApp, o.domain);
  if (failure) {
    throw new McpOboError(`the DNS records for ${o.domain} are not in place: ${failure}`, {
      suggestion: `Create these records at your DNS provider (or pass --dns-zone <Azure DNS zone>), wait for them to propagate, then rerun \`mcp-obo deploy --domain ${o.domain}\`:\n${describeRecords(records)}`,
    });
  }
  return validation;
}

/**
 * Everything that can fail without changing anything. Returns whether the binding already exists; a
 * bound domain is not checked again, so a later deploy needs no directory rights (a pipeline's
 * Contributor-only identity), only a change of domain does.
 */
export async function preflightDomain(conn: Connection, store: DeploymentStore, o: DomainOptions): Promise<{ bound: boolean }> {
  const bound = store.deployment.resources.customDomain?.name === o.domain;
  if (bound) return { bound };
  await checkVerified(conn.graph, o.domain);
  const app = await currentApp(conn, store);
  if (app) await ensureRecords(conn, store, app, o);
  return { bound };
}

/** Hostname on the app, managed certificate, then the app's identifier URI; saved in the deployment. */
export async function bindDomain(conn: Connection, store: DeploymentStore, shape: AppShape & { image: string }, auth: DeployAuth, o: DomainOptions): Promise<DomainBinding> {
  const d = store.deployment;
  const n = names(d);
  const client = await conn.azure.containerApps();
  const app = await currentApp(conn, store);
  if (!app) throw new McpOboError('the container app does not exist yet');
  const validation = await ensureRecords(conn, store, app, o);

  o.status(`adding ${o.domain} to ${n.containerApp}`);
  // Keep a domain that is already bound (and the server's settings for it) until the new one is ready.
  const existing = d.resources.customDomain;
  const body = containerAppBody(d, shape, auth, existing ? { name: existing.name, certificateId: existing.certificateId } : { name: o.domain });
  if (existing) body.configuration!.ingress!.customDomains!.push({ name: o.domain, bindingType: 'Disabled' });
  await client.containerApps.createOrUpdate(n.resourceGroup, n.containerApp, body, { updateIntervalInMs: conn.azure.pollIntervalMs });
  o.status(`requesting a managed certificate for ${o.domain} (${validation} validation)`);
  const certificateId = await managedCertificate(conn.azure, conn.clock, { resourceGroup: n.resourceGroup, environment: n.environment, location: d.location, domain: o.domain, validation, timeoutMs: o.timeoutMs });

  const identifierUri = `https://${o.domain}/mcp`;
  const appObjectId = d.resources.application!.objectId;
  const retry = azureRetry(conn.clock);
  const current = await retry('app registration', () => conn.graph.get<{ identifierUris?: string[] }>(`/applications/${appObjectId}?$select=identifierUris`), { propagation: true });
  if (!current.identifierUris?.includes(identifierUri)) {
    o.status(`adding ${identifierUri} to the app registration's identifier URIs`);
    await retry('identifier URI', () => conn.graph.patch(`/applications/${appObjectId}`, { identifierUris: [...new Set([...(current.identifierUris ?? []), `api://${d.resources.application!.appId}`, identifierUri])] }), { propagation: true });
  }
  await store.update((x) => ({ ...x, domain: o.domain, resources: { ...x.resources, customDomain: { name: o.domain, certificateId, identifierUri } } }));
  return { name: o.domain, certificateId };
}
