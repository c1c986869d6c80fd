// Container Apps managed certificates: PUT as an LRO (Pending -> Succeeded after the type's latency, or Failed when
// the DNS validation fails at that moment), GET, list, DELETE. The host name must already be on an app of the
// environment (bindingType 'Disabled'), as Azure requires.
import { randomBytes } from 'node:crypto';
import { dnsName } from '../../core/dns.ts';
import { isRecord } from '../../core/http.ts';
import type { ArmErrorInfo, JsonObject } from '../../types.ts';
import { getResource, requireLocation, systemData, tagsOf } from './common.ts';
import { appWithHost, CERT_TYPE, dnsTarget, domainsOf, HOST_RE, pointsToApp } from './customDomains.ts';
import { armError, resourceNotFound } from './errors.ts';
import { type ACtx, type ArmRoutes, RG } from './index.ts';
import { lroHeaders, startLro } from './lro.ts';

const ENV_TYPE = 'Microsoft.App/managedEnvironments';
const APP_TYPE = 'Microsoft.App/containerApps';
const VALIDATIONS = ['CNAME', 'HTTP', 'TXT'];
const lc = (s: unknown): string => String(s).toLowerCase();
const props = (r: JsonObject): JsonObject => r.properties as JsonObject;

/** Why the certificate authority would refuse to issue now (undefined: it issues). */
function validationProblem(a: ACtx, env: JsonObject, cert: JsonObject): string | undefined {
  const p = props(cert);
  const h = String(p.subjectName);
  const owner = appWithHost(a.inv, String(env.id), h);
  if (!owner) return `Hostname '${h}' is no longer added as a custom hostname to a container app in environment '${String(env.name)}'.`;
  if (p.domainControlValidation === 'TXT') {
    const txt = a.env.dns.lookup(`_dnsauth.${h}`, 'TXT');
    return txt.includes(String(p.validationToken)) ? undefined : `A TXT record pointing from _dnsauth.${h} to ${String(p.validationToken)} was not found.`;
  }
  // CNAME validation needs a CNAME to the app (so never works for an apex domain); HTTP validation needs the name to
  // reach the app, by CNAME or by an A record to the environment (the apex case).
  const app = { name: String(owner.name), envId: String(env.id) };
  const reach = pointsToApp(a, app, h);
  if (reach.via === 'CNAME' || (reach.via === 'A' && p.domainControlValidation === 'HTTP')) return undefined;
  const target = dnsTarget(a.inv, app);
  const cname = a.env.dns.lookup(h, 'CNAME');
  return cname.length === 0
    ? `Not found CNAME of hostname '${h}' directly pointing to the default hostname '${target}'. Validation method ${String(p.domainControlValidation)} failed.`
    : `The CNAME of hostname '${h}' points to '${cname[0]}', not directly to the default hostname '${target}'. Validation method ${String(p.domainControlValidation)} failed.`;
}

function certOf(a: ACtx): { env: JsonObject; id: string; cert: JsonObject | undefined } {
  const env = getResource(a, a.m[0]!, ENV_TYPE, a.m[1]!);
  const id = `${String(env.id)}/managedCertificates/${a.m[2]!}`;
  return { env, id, cert: a.inv.get(id) };
}

const certsIn = (a: ACtx, env: JsonObject): JsonObject[] => a.inv.below(String(env.id)).filter((r) => lc(r.type) === lc(CERT_TYPE));

export function registerManagedCertificates(routes: ArmRoutes): void {
  const list = `${RG}/providers/Microsoft\\.App/managedEnvironments/([^/]+)/managedCertificates`;
  const one = `${list}/([^/]+)`;

  routes.on('PUT', one, CERT_TYPE, (a) => {
    const name = a.m[2]!;
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,258}[A-Za-z0-9]$/.test(name)) throw armError(400, 'InvalidResourceName', `The resource name '${name}' is invalid for resource type '${CERT_TYPE}'.`);
    const { env, id, cert: existing } = certOf(a);
    a.authorize(`${CERT_TYPE}/write`, id, CERT_TYPE);
    const body = a.body();
    const region = requireLocation(body, CERT_TYPE);
    const p = isRecord(body.properties) ? body.properties : {};
    if (typeof p.subjectName !== 'string' || !HOST_RE.test(p.subjectName) || p.subjectName.startsWith('*')) {
      throw armError(400, 'InvalidRequestParameterWithDetails', `properties.subjectName '${String(p.subjectName)}' must be a host name (managed certificates do not support wildcards).`);
    }
    const dcv = VALIDATIONS.find((v) => v === String(p.domainControlValidation ?? '').toUpperCase());
    if (!dcv) throw armError(400, 'InvalidRequestParameterWithDetails', `properties.domainControlValidation '${String(p.domainControlValidation)}' is invalid: use CNAME, HTTP or TXT.`);
    const h = dnsName(p.subjectName);
    if (existing && props(existing).provisioningState === 'Pending') throw armError(409, 'ManagedCertificateOperationInProgress', `Managed certificate '${name}' has a pending operation. Please try again later.`);
    if (existing && lc(props(existing).subjectName) !== h) throw armError(400, 'ManagedCertificateSubjectNameImmutable', `The subject name of managed certificate '${name}' cannot be changed.`);
    const dup = certsIn(a, env).find((c) => lc(c.id) !== lc(id) && lc(props(c).subjectName) === h);
    if (dup) throw armError(409, 'DuplicateManagedCertificateInEnvironment', `Another managed certificate with subject name '${h}' and certificate name '${String(dup.name)}' available in environment '${String(env.name)}'.`);
    if (!appWithHost(a.inv, String(env.id), h)) {
      throw armError(400, 'RequireCustomHostnameInEnvironment', `Creating managed certificate requires hostname '${h}' added as a custom hostname to a container app in environment '${String(env.name)}'`);
    }
    const cert: JsonObject = {
      id, name, type: CERT_TYPE, location: region.displayName, tags: tagsOf(body) ?? {}, systemData: systemData(a, existing?.systemData as JsonObject | undefined),
      properties: {
        provisioningState: 'Pending', subjectName: h, error: null, domainControlValidation: dcv,
        validationToken: dcv === 'TXT' ? ((existing ? props(existing).validationToken : null) ?? randomBytes(16).toString('hex')) : null,
      },
    };
    a.inv.put(cert);
    const op = startLro(a, {
      type: CERT_TYPE, resourceId: id,
      check: (): ArmErrorInfo | undefined => {
        const why = validationProblem(a, env, cert);
        return why === undefined ? undefined : { code: 'ManagedCertificateValidationFailed', message: why };
      },
      finish: (status) => {
        Object.assign(props(cert), status === 'Succeeded' ? { provisioningState: 'Succeeded', error: null } : { provisioningState: 'Failed', error: op.error?.message ?? 'Managed certificate validation failed.' });
      },
    });
    if (a.env.aca.certificatesPending) {
      op.doneAt = Number.POSITIVE_INFINITY;
      a.env.aca.heldCertificates.add(op);
    }
    a.send(existing ? 200 : 201, cert, lroHeaders(a, op, 'Microsoft.App', region.name, { statusName: 'managedCertificateOperationStatuses' }));
  });

  routes.on('GET', one, CERT_TYPE, (a) => {
    const { env, cert } = certOf(a);
    if (!cert) throw resourceNotFound(CERT_TYPE, `${String(env.name)}/${a.m[2]}`, a.m[0]!);
    a.send(200, cert);
  });
  routes.on('GET', list, CERT_TYPE, (a) => a.send(200, { value: certsIn(a, getResource(a, a.m[0]!, ENV_TYPE, a.m[1]!)) }));

  routes.on('DELETE', one, CERT_TYPE, (a) => {
    const { env, id, cert } = certOf(a);
    a.authorize(`${CERT_TYPE}/delete`, id, CERT_TYPE);
    if (!cert) return a.send(204);
    const user = [...a.inv.resources.values()].find((r) => r.type === APP_TYPE && lc(props(r).managedEnvironmentId) === lc(env.id) && domainsOf(r).some((d) => lc(d.certificateId) === lc(id)));
    if (user) throw armError(409, 'CertificateInUse', `Certificate '${String(cert.name)}' is used by existing custom domains of container app '${String(user.name)}'.`);
    a.inv.remove(id);
    a.send(200);
  });
}
