/**
 * A custom domain for the MCP URL, so the canonical URL can be an Application ID URI (what Entra
 * requires of clients that send RFC 8707 `resource`). Checks the domain is verified in the tenant
 * and its DNS records exist before changing anything; then hostname, managed certificate, binding.
 */
import type { ContainerApp } from '@azure/arm-appcontainers';
import type { AzureClients } from '../azure/clients.ts';
import { codeOf, isNotFound } from '../azure/errors.ts';
import type { Clock } from '../clock.ts';
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
  const domains = await graph.list<{ id: string; isVerified?: boolean }>('/domains').catch((err: unknown) => {
    if (codeOf(err) !== 'Authorization_RequestDenied') throw err;
    throw new McpOboError(`binding ${domain} needs to read the tenant's verified domains, and this identity may not (Authorization_RequestDenied)`, {
      code: 'authorization-denied',
      suggestion: `A service principal needs the Microsoft Graph application permission Domain.Read.All (any member user can read them): bind the domain once with such an identity (\`mcp-obo deploy --domain ${domain}\`); later deploys need no directory rights.`,
      cause: err,
    });
  });
  const verified = domains.filter((d) => d.isVerified).map((d) => d.id.toLowerCase());
  if (verified.some((v) => domain === v || domain.endsWith(`.${v}`))) return;
  throw new UsageError(`${domain} is not on a domain verified in this Entra tenant, so https://${domain}/mcp cannot be an identifier URI`, {
    suggestion:
      `Verify ${domain.split('.').slice(-2).join('.')} (or ${domain}) in Entra ID: Entra admin center > Custom domain names > Add, then create the TXT record it shows and select Verify. ` +
      `Verified now: ${verified.join(', ') || 'none'}. Nothing was changed.`,
  });
}

/**
 * A subdomain points at the app with a CNAME (certificate: CNAME validation); an apex domain cannot have a CNAME
 * (RFC 1034 §3.6.2), so it takes an A record to the environment's IP and HTTP validation
 * (learn.microsoft.com/azure/container-apps/custom-domains-managed-certificates). Both need the asuid TXT record.
 */
export interface DnsRecords {
  cname: { name: string; value: string };
  a: { name: string; value: string | undefined };
  txt: { name: string; value: string };
}

/** How the managed certificate proves control of the name: CNAME for a subdomain, HTTP for an apex A record. */
export type Validation = 'CNAME' | 'HTTP';

export function requiredRecords(domain: string, app: ContainerApp, env: { defaultDomain?: string; staticIp?: string }): DnsRecords {
  if (!app.customDomainVerificationId || !env.defaultDomain) throw new McpOboError('the container app has no domain verification id yet');
  return { cname: { name: domain, value: `${app.name}.${env.defaultDomain}` }, a: { name: domain, value: env.staticIp }, txt: { name: `asuid.${domain}`, value: app.customDomainVerificationId } };
}

export function describeRecords(r: DnsRecords): string {
  const apex = r.a.value ? `\n  or, for an apex domain (no CNAME is allowed there):\n  A      ${r.a.name}  ->  ${r.a.value}` : '';
  return `  TXT    ${r.txt.name}  =  ${r.txt.value}\n  CNAME  ${r.cname.name}  ->  ${r.cname.value}${apex}`;
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
  const host = relative(r.cname.name);
  const txt = relative(r.txt.name);
  if (!host || !txt) throw new UsageError(`${r.cname.name} is not inside the DNS zone ${zone}`);
  if (host === '@') {
    // The zone apex: an A record to the environment, as Container Apps documents for apex domains.
    if (!r.a.value) throw new McpOboError(`the Container Apps environment has no static IP for the A record of ${r.a.name}`);
    await dns.recordSets.createOrUpdate(rg, zone, '@', 'A', { ttl: 300, aRecords: [{ ipv4Address: r.a.value }] });
  } else {
    await dns.recordSets.createOrUpdate(rg, zone, host, 'CNAME', { ttl: 300, cnameRecord: { cname: r.cname.value } });
  }
  await dns.recordSets.createOrUpdate(rg, zone, txt, 'TXT', { ttl: 300, txtRecords: [{ value: [r.txt.value] }] });
}

export interface Analysis {
  /** Why the records are not in place, or undefined when they are. */
  failure: string | undefined;
  /** The certificate validation the records allow: an A record (apex) needs HTTP. */
  validation: Validation;
}

/** Asks Container Apps whether the records are in place, and which way the name points at the app. */
export async function analyse(azure: AzureClients, resourceGroup: string, app: string, domain: string): Promise<Analysis> {
  const client = await azure.containerApps();
  const result = await client.containerApps.listCustomHostNameAnalysis(resourceGroup, app, { customHostname: domain });
  const validation: Validation = !result.cNameRecords?.length && result.aRecords?.length ? 'HTTP' : 'CNAME';
  if (result.customDomainVerificationTest === 'Passed' || result.isHostnameAlreadyVerified) return { failure: undefined, validation };
  return { failure: result.customDomainVerificationFailureInfo?.message ?? 'the DNS records are missing or wrong', validation };
}

/** Waits for the records (DNS takes time to propagate) up to `timeoutMs`. */
export async function waitForRecords(azure: AzureClients, clock: Clock, resourceGroup: string, app: string, domain: string, timeoutMs: number): Promise<Analysis> {
  const deadline = clock.now() + timeoutMs;
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15_000)) {
    const result = await analyse(azure, resourceGroup, app, domain);
    if (!result.failure || clock.now() + wait > deadline) return result;
    await clock.sleep(Math.min(wait, azure.pollIntervalMs * 10));
  }
}

export interface CertificateRequest {
  resourceGroup: string;
  environment: string;
  location: string;
  domain: string;
  validation: Validation;
  /** How long issuance may take before deploy gives up (and a rerun picks the pending certificate up). */
  timeoutMs: number;
}

/**
 * A managed certificate for the host name (already on the app): requested once (a pending one is waited for, not
 * requested again), then followed until DigiCert issues it, it fails, or the time is up.
 */
export async function managedCertificate(azure: AzureClients, clock: Clock, r: CertificateRequest): Promise<string> {
  const client = await azure.containerApps();
  const name = `mc-${r.domain.replace(/[^a-z0-9]/g, '-')}`.slice(0, 60);
  const get = () => client.managedCertificates.get(r.resourceGroup, r.environment, name).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  const deadline = clock.now() + r.timeoutMs;
  const notIssued = (why: string, cause?: unknown) =>
    new McpOboError(`the managed certificate for ${r.domain} was not issued: ${why.split('\n')[0]}`, {
      suggestion: `Check the ${r.validation === 'HTTP' ? 'A' : 'CNAME'} record of ${r.domain} and rerun \`mcp-obo deploy --domain ${r.domain}\`.`,
      cause,
    });
  let cert = await get();
  if (cert?.properties?.provisioningState !== 'Succeeded' && cert?.properties?.provisioningState !== 'Pending') {
    try {
      const poller = client.managedCertificates.createOrUpdate(r.resourceGroup, r.environment, name, {
        updateIntervalInMs: azure.pollIntervalMs,
        managedCertificateEnvelope: { location: r.location, properties: { subjectName: r.domain, domainControlValidation: r.validation } },
      });
      await poller.submitted();
    } catch (err) {
      throw notIssued((err as Error).message, err);
    }
  }
  for (let wait = 1000; ; wait = Math.min(wait * 2, 30_000)) {
    cert = await get();
    const state = cert?.properties?.provisioningState;
    if (state === 'Succeeded') return cert!.id!;
    if (state === 'Failed' || state === 'Canceled') throw notIssued(cert?.properties?.error ?? state);
    if (clock.now() + Math.min(wait, azure.pollIntervalMs * 10) > deadline) {
      throw new McpOboError(`the managed certificate for ${r.domain} is still ${state ?? 'not created'} after ${Math.round(r.timeoutMs / 60_000) || '<1'} min`, {
        suggestion:
          `DigiCert validates ${r.domain} through the public internet: the app must be reachable there (no IP restrictions or internal-only environment) ` +
          'and any CAA record must allow digicert.com. Rerun `mcp-obo deploy --domain ' + r.domain + '` later (it waits for the pending certificate), or give it longer with --timeout.',
      });
    }
    await clock.sleep(Math.min(wait, azure.pollIntervalMs * 10));
  }
}
