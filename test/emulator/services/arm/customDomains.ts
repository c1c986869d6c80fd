// Container Apps custom domains: the subscription's domain verification id, listCustomHostNameAnalysis (read from the
// public DNS stand-in) and the checks a container app PUT applies to configuration.ingress.customDomains.
//
// DNS the emulator expects for a host name H on app A in environment E (as Azure documents it:
// learn.microsoft.com/azure/container-apps/custom-domains-managed-certificates — a subdomain takes a CNAME and CNAME
// validation, an apex domain, which cannot have a CNAME, an A record to the environment's IP and HTTP validation;
// microsoft/azure-container-apps#607):
//   TXT   asuid.H  = the subscription's customDomainVerificationId (also properties.customDomainVerificationId of every app)
//   CNAME H        = A.<E's defaultDomain>   (the name Azure gives the app; the emulator's ingress.fqdn stays 127.0.0.1:<port>)
//   or A  H        = E's staticIp
import { createHash } from 'node:crypto';
import { dnsName } from '../../core/dns.ts';
import { isRecord } from '../../core/http.ts';
import type { ArmInventory } from '../../core/inventory.ts';
import type { ArmErrorDetail } from './errors.ts';
import type { JsonObject } from '../../types.ts';
import type { AppSpec } from './containerAppModel.ts';
import { armError } from './errors.ts';
import { type ACtx, type ArmRoutes, RG, SUB } from './index.ts';

const APP_TYPE = 'Microsoft.App/containerApps';
export const CERT_TYPE = 'Microsoft.App/managedEnvironments/managedCertificates';
const CERT_TYPES = [CERT_TYPE, 'Microsoft.App/managedEnvironments/certificates'].map((t) => t.toLowerCase());
export const HOST_RE = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const lc = (s: unknown): string => String(s).toLowerCase();
const props = (r: JsonObject): JsonObject => r.properties as JsonObject;
const bad = (code: string, message: string, details?: ArmErrorDetail[]): Error => armError(400, code, message, details);

/** Stable per subscription, 64 upper-case hex characters, the same for every app and environment of the subscription. */
export const verificationId = (subscriptionId: string): string => createHash('sha256').update(`customDomainVerificationId|${lc(subscriptionId)}`).digest('hex').toUpperCase();

/** What a custom host name's CNAME must point to: `<app>.<environment defaultDomain>`. */
export function dnsTarget(inv: ArmInventory, app: { name: string; envId: string }): string {
  const env = inv.get(app.envId);
  return `${lc(app.name)}.${lc(env ? props(env).defaultDomain : 'unknown')}`;
}

/** What an apex host name's A record must hold: the environment's static IP. */
export function staticIpOf(inv: ArmInventory, envId: string): string {
  return String(props(inv.get(envId) ?? { properties: {} }).staticIp ?? '');
}

/** How the host name reaches the app: a CNAME to it, an A record to the environment, or neither (with why). */
export function pointsToApp(a: Pick<ACtx, 'inv' | 'env'>, app: { name: string; envId: string }, h: string): { via: 'CNAME' | 'A' } | { via: undefined; problem: string } {
  const cname = a.env.dns.lookup(h, 'CNAME');
  const target = dnsTarget(a.inv, app);
  if (cname[0] === target) return { via: 'CNAME' };
  const ip = staticIpOf(a.inv, app.envId);
  const addresses = a.env.dns.lookup(h, 'A');
  if (cname.length === 0 && ip !== '' && addresses.includes(ip)) return { via: 'A' };
  if (cname.length > 0) return { via: undefined, problem: `The CNAME record of ${h} points to ${cname[0]} instead of ${target}.` };
  if (addresses.length > 0) return { via: undefined, problem: `The A record of ${h} points to ${addresses.join(', ')} instead of ${ip}.` };
  return { via: undefined, problem: `A CNAME record pointing from ${h} to ${target} was not found.` };
}

/** customDomains of a stored app ([] when none). */
export function domainsOf(app: JsonObject): JsonObject[] {
  const ingress = (props(app).configuration as JsonObject | undefined)?.ingress;
  return isRecord(ingress) && Array.isArray(ingress.customDomains) ? (ingress.customDomains as JsonObject[]) : [];
}

/** The container app in environment `envId` that has host name `host` (any binding type). */
export function appWithHost(inv: ArmInventory, envId: string, host: string): JsonObject | undefined {
  return [...inv.resources.values()].find((r) => r.type === APP_TYPE && lc(props(r).managedEnvironmentId) === lc(envId) && domainsOf(r).some((d) => lc(d.name) === lc(host)));
}

export interface HostAnalysis {
  result: JsonObject;
  problems: ArmErrorDetail[];
}

/** The CustomHostnameAnalysisResult for `host` on an app (which need not exist yet). */
export function analyzeHost(a: ACtx, app: { id: string; name: string; envId: string }, host: string): HostAnalysis {
  const h = dnsName(host);
  const dns = a.env.dns;
  const cname = dns.lookup(h, 'CNAME');
  const txt = dns.lookup(`asuid.${h}`, 'TXT');
  const id = verificationId(a.sub);
  const problems: ArmErrorDetail[] = [];
  if (!txt.includes(id)) problems.push({ code: 'InvalidCustomHostNameValidation', target: 'customHostname', message: `A TXT record pointing from asuid.${h} to ${id} was not found.` });
  const reach = pointsToApp(a, app, h);
  if (reach.via === undefined) problems.push({ code: 'InvalidCustomHostNameValidation', target: 'customHostname', message: reach.problem });
  const other = appWithHost(a.inv, app.envId, h);
  const conflict = other !== undefined && lc(other.id) !== lc(app.id);
  const current = [...a.inv.resources.values()].find((r) => lc(r.id) === lc(app.id));
  const result: JsonObject = {
    hostName: h, isHostnameAlreadyVerified: current !== undefined && domainsOf(current).some((d) => lc(d.name) === h),
    customDomainVerificationTest: problems.length === 0 ? 'Passed' : 'Failed',
    customDomainVerificationFailureInfo: problems.length === 0 ? null : { ...problems[0], ...(problems.length > 1 ? { details: problems } : {}) },
    hasConflictOnManagedEnvironment: conflict, conflictWithEnvironmentCustomDomain: false, conflictingContainerAppResourceId: conflict ? other.id : null,
    cNameRecords: cname, txtRecords: txt, aRecords: dns.lookup(h, 'A'), alternateCNameRecords: [], alternateTxtRecords: [],
  };
  return { result, problems };
}

/** The certificate a SniEnabled binding names must be a Succeeded certificate of the app's environment for this name. */
function checkCertificate(a: ACtx, envId: string, host: string, certificateId: unknown): void {
  if (typeof certificateId !== 'string' || certificateId === '') throw bad('ContainerAppCustomDomainCertificateRequired', `Custom domain '${host}' with bindingType 'SniEnabled' requires a certificateId.`);
  const cert = a.inv.get(certificateId);
  if (!cert || !CERT_TYPES.includes(lc(cert.type))) throw bad('CertificateNotFound', `Certificate '${certificateId}' was not found.`);
  if (!lc(cert.id).startsWith(`${lc(envId)}/`)) throw bad('CertificateNotInManagedEnvironment', `Certificate '${certificateId}' does not belong to the container app's environment '${envId}'.`);
  const p = props(cert);
  if (p.provisioningState !== 'Succeeded') throw bad('CertificateNotReady', `Certificate '${String(cert.name)}' is in provisioning state '${String(p.provisioningState)}' and cannot be bound.`);
  if (lc(p.subjectName) !== host) throw bad('CertificateSubjectNameMismatch', `The subject name '${String(p.subjectName)}' of certificate '${String(cert.name)}' does not match the custom domain '${host}'.`);
}

/**
 * Validate and normalise configuration.ingress.customDomains of a PUT: new names must pass the host name analysis
 * (names the app already has are not re-validated), no other app of the environment may have the name, and
 * SniEnabled needs a matching Succeeded certificate.
 */
export function checkCustomDomains(a: ACtx, spec: AppSpec, app: { id: string; name: string }, existing: JsonObject | undefined): void {
  const ingress = spec.configuration.ingress as JsonObject | null;
  const raw = ingress?.customDomains;
  if (!ingress || raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) throw bad('ContainerAppInvalidCustomDomains', 'configuration.ingress.customDomains must be an array.');
  const had = new Set((existing ? domainsOf(existing) : []).map((d) => lc(d.name)));
  const seen = new Set<string>();
  ingress.customDomains = raw.map((d: unknown) => {
    if (!isRecord(d) || typeof d.name !== 'string' || !HOST_RE.test(d.name.replace(/\.$/, ''))) throw bad('InvalidCustomHostName', `Invalid custom domain name '${isRecord(d) ? String(d.name) : ''}'.`);
    const h = dnsName(d.name);
    if (seen.has(h)) throw bad('DuplicateCustomDomain', `Custom domain '${h}' is listed more than once.`);
    seen.add(h);
    const binding = d.bindingType ?? 'Disabled';
    if (binding !== 'Disabled' && binding !== 'SniEnabled' && binding !== 'Auto') throw bad('InvalidCustomDomainBindingType', `bindingType '${String(binding)}' is invalid: use Disabled, SniEnabled or Auto.`);
    const other = appWithHost(a.inv, spec.envId, h);
    if (other && lc(other.id) !== lc(app.id)) {
      throw bad('CustomDomainConflict', `Hostname '${h}' is already added to container app '${String(other.name)}' in the same environment. Remove it there first.`);
    }
    if (!had.has(h)) {
      const { problems } = analyzeHost(a, { ...app, envId: spec.envId }, h);
      if (problems.length > 0) throw bad(problems[0]!.code, problems[0]!.message, problems.length > 1 ? problems : undefined);
    }
    if (binding === 'SniEnabled' || (binding === 'Auto' && typeof d.certificateId === 'string')) checkCertificate(a, spec.envId, h, d.certificateId);
    return { name: h, bindingType: binding, certificateId: typeof d.certificateId === 'string' ? d.certificateId : null };
  });
}

export function registerCustomDomains(routes: ArmRoutes): void {
  routes.on('POST', `${SUB}/providers/Microsoft\\.App/getCustomDomainVerificationId`, 'Microsoft.App/getCustomDomainVerificationId', (a) => a.send(200, verificationId(a.sub)));
  routes.on('POST', `${RG}/providers/Microsoft\\.App/containerApps/([^/]+)/listCustomHostNameAnalysis`, `${APP_TYPE}/listCustomHostNameAnalysis`, (a) => {
    const rg = a.inv.get(`/subscriptions/${a.sub}/resourceGroups/${a.m[0]}`);
    const app = rg ? a.inv.get(`${String(rg.id)}/providers/${APP_TYPE}/${a.m[1]}`) : undefined;
    if (!app) throw armError(404, 'ResourceNotFound', `The Resource '${APP_TYPE}/${a.m[1]}' under resource group '${a.m[0]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    a.authorize(`${APP_TYPE}/listCustomHostNameAnalysis/action`, String(app.id), APP_TYPE);
    const host = a.ctx.query.get('customHostname');
    if (host === null || host === '') throw bad('InvalidParameter', "The 'customHostname' query parameter is required.");
    if (!HOST_RE.test(host.replace(/\.$/, ''))) throw bad('InvalidCustomHostName', `'${host}' is not a valid host name.`);
    const p = props(app);
    a.send(200, analyzeHost(a, { id: String(app.id), name: String(app.name), envId: String(p.managedEnvironmentId) }, host).result);
  });
}
