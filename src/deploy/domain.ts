/**
 * A custom domain for the MCP URL, so the canonical URL can be an Application ID URI (what Entra
 * requires of clients that send RFC 8707 `resource`). Checks the domain is verified in the tenant
 * and its DNS records exist before changing anything; then hostname, managed certificate, binding.
 */
import type { ContainerApp } from '@azure/arm-appcontainers';
import type { AzureClients } from '../azure/clients.ts';
import type { GraphApi } from '../graph/client.ts';
import { McpOboError, UsageError } from '../errors.ts';

const HOSTNAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function validateDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(d)) throw new UsageError(`--domain "${domain}" is not a host name like mcp.contoso.com`);
  if (d.endsWith('.azurecontainerapps.io')) throw new UsageError('--domain must be your own domain: *.azurecontainerapps.io cannot be verified in your tenant');
  return d;
}

/** The tenant must have verified the domain or a parent of it: https identifier URIs require it. */
export async function checkVerified(graph: GraphApi, domain: string): Promise<void> {
  const domains = await graph.list<{ id: string; isVerified?: boolean }>('/domains');
  const verified = domains.filter((d) => d.isVerified).map((d) => d.id.toLowerCase());
  if (verified.some((v) => domain === v || domain.endsWith(`.${v}`))) return;
  throw new UsageError(`${domain} is not on a domain verified in this Entra tenant, so https://${domain}/mcp cannot be an identifier URI`, {
    suggestion:
      `Verify ${domain.split('.').slice(-2).join('.')} (or ${domain}) in Entra ID: Entra admin center > Custom domain names > Add, then create the TXT record it shows and select Verify. ` +
      `Verified now: ${verified.join(', ') || 'none'}. Nothing was changed.`,
  });
}

export interface DnsRecords {
  cname: { name: string; value: string };
  txt: { name: string; value: string };
}

export function requiredRecords(domain: string, app: ContainerApp, env: { defaultDomain?: string }): DnsRecords {
  if (!app.customDomainVerificationId || !env.defaultDomain) throw new McpOboError('the container app has no domain verification id yet');
  return { cname: { name: domain, value: `${app.name}.${env.defaultDomain}` }, txt: { name: `asuid.${domain}`, value: app.customDomainVerificationId } };
}

export function describeRecords(r: DnsRecords): string {
  return `  CNAME  ${r.cname.name}  ->  ${r.cname.value}\n  TXT    ${r.txt.name}  =  ${r.txt.value}`;
}

/** Writes both records into an Azure DNS zone the caller can write (`--dns-zone [rg/]zone`). */
export async function createRecords(azure: AzureClients, zoneArg: string, r: DnsRecords): Promise<void> {
  const dns = await azure.dns();
  const [rgPart, zonePart] = zoneArg.includes('/') ? zoneArg.split('/', 2) : [undefined, zoneArg];
  let rg = rgPart;
  if (!rg) {
    for await (const z of dns.zones.list()) if (z.name === zonePart) rg = z.id?.split('/')[4];
  }
  if (!rg) throw new UsageError(`no Azure DNS zone named ${zonePart} in the subscription`, { suggestion: 'Pass --dns-zone <resource group>/<zone>, or create the records yourself.' });
  const zone = zonePart!;
  const relative = (name: string) => (name === zone ? '@' : name.endsWith(`.${zone}`) ? name.slice(0, -zone.length - 1) : undefined);
  const cname = relative(r.cname.name);
  const txt = relative(r.txt.name);
  if (!cname || !txt) throw new UsageError(`${r.cname.name} is not inside the DNS zone ${zone}`);
  await dns.recordSets.createOrUpdate(rg, zone, cname, 'CNAME', { ttl: 300, cnameRecord: { cname: r.cname.value } });
  await dns.recordSets.createOrUpdate(rg, zone, txt, 'TXT', { ttl: 300, txtRecords: [{ value: [r.txt.value] }] });
}

/** Asks Container Apps whether the records are in place; returns the failure, or undefined when they are. */
export async function analyse(azure: AzureClients, resourceGroup: string, app: string, domain: string): Promise<string | undefined> {
  const client = await azure.containerApps();
  const result = await client.containerApps.listCustomHostNameAnalysis(resourceGroup, app, { customHostname: domain });
  if (result.customDomainVerificationTest === 'Passed' || result.isHostnameAlreadyVerified) return undefined;
  return result.customDomainVerificationFailureInfo?.message ?? 'the DNS records are missing or wrong';
}

/** Waits for the records (DNS takes time to propagate) up to `timeoutMs`. */
export async function waitForRecords(azure: AzureClients, clock: { now(): number; sleep(ms: number): Promise<void> }, resourceGroup: string, app: string, domain: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = clock.now() + timeoutMs;
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15_000)) {
    const failure = await analyse(azure, resourceGroup, app, domain);
    if (!failure || clock.now() + wait > deadline) return failure;
    await clock.sleep(Math.min(wait, azure.pollIntervalMs * 10));
  }
}

/** A managed certificate for the host name (the host name must already be on the app). */
export async function managedCertificate(azure: AzureClients, resourceGroup: string, environment: string, location: string, domain: string): Promise<string> {
  const client = await azure.containerApps();
  const name = `mc-${domain.replace(/[^a-z0-9]/g, '-')}`.slice(0, 60);
  try {
    const cert = await client.managedCertificates.createOrUpdate(resourceGroup, environment, name, {
      updateIntervalInMs: azure.pollIntervalMs,
      managedCertificateEnvelope: { location, properties: { subjectName: domain, domainControlValidation: 'CNAME' } },
    });
    if (cert.properties?.provisioningState && cert.properties.provisioningState !== 'Succeeded') throw new Error(cert.properties.error ?? cert.properties.provisioningState);
    return cert.id!;
  } catch (err) {
    throw new McpOboError(`the managed certificate for ${domain} was not issued: ${(err as Error).message.split('\n')[0]}`, {
      suggestion: `Check the CNAME record ${domain} and rerun \`mcp-obo deploy --domain ${domain}\`.`,
      cause: err,
    });
  }
}
