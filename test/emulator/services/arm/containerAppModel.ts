// Validation of a container app PUT body as Azure Container Apps applies it, and the normalised
// configuration and template it stores (and a revision snapshots).
import { isRecord } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { type Region, regionOf } from './catalog.ts';
import { armError } from './errors.ts';
import type { ACtx } from './index.ts';
import { IDENTITY_TYPE } from './identities.ts';

export const APP_TYPE = 'Microsoft.App/containerApps';
const ENV_TYPE = 'Microsoft.App/managedEnvironments';
const REGISTRY_TYPE = 'Microsoft.ContainerRegistry/registries';
const lc = (s: unknown): string => String(s).toLowerCase();
const DNS_LABEL = /^(?!.*--)[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const PAIRS: Array<[number, string]> = [[0.25, '0.5Gi'], [0.5, '1Gi'], [0.75, '1.5Gi'], [1, '2Gi'], [1.25, '2.5Gi'], [1.5, '3Gi'], [1.75, '3.5Gi'], [2, '4Gi'], [2.5, '5Gi'], [3, '6Gi'], [3.5, '7Gi'], [4, '8Gi']];

const bad = (code: string, message: string): Error => armError(400, code, message);
const gi = (m: unknown): number => (typeof m === 'string' && /^\d+(\.\d+)?Gi$/.test(m) ? Number(m.slice(0, -2)) : NaN);

export interface AppSpec {
  region: string;
  envId: string;
  identity: JsonObject | undefined;
  configuration: JsonObject;
  template: JsonObject;
}

export function checkAppName(name: string): void {
  if (!DNS_LABEL.test(name)) {
    throw bad('ContainerAppInvalidName', `Invalid ContainerApp name: '${name}'. A name must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character and cannot have '--'. The length must not be more than 32 characters.`);
  }
}

function identityOf(a: ACtx, body: JsonObject, appId: string): JsonObject | undefined {
  const id = body.identity;
  if (id === undefined || id === null) return undefined;
  if (!isRecord(id) || typeof id.type !== 'string') throw bad('InvalidIdentity', 'identity.type is required.');
  const type = id.type.replace(/\s/g, '');
  if (type === 'None') return { type: 'None' };
  if (!/^(SystemAssigned,)?UserAssigned$/i.test(type)) throw bad('InvalidIdentity', `Identity type '${id.type}' is not supported by the emulator: use 'UserAssigned' (no system-assigned principal exists here).`);
  const uai = isRecord(id.userAssignedIdentities) ? id.userAssignedIdentities : {};
  const keys = Object.keys(uai);
  if (keys.length === 0) throw bad('InvalidIdentity', "The identity type 'UserAssigned' requires at least one entry in 'userAssignedIdentities'.");
  const out: JsonObject = {};
  for (const k of keys) {
    const mi = a.inv.get(k);
    if (!mi || mi.type !== IDENTITY_TYPE) {
      throw bad('FailedIdentityOperation', `Identity operation for resource '${appId}' failed with error 'Failed to perform resource identity operation. Status: 'NotFound'. Response: '{"error":{"code":"NotFound","message":"Resource '${k}' was not found."}}'.'.`);
    }
    const p = mi.properties as JsonObject;
    out[String(mi.id)] = { principalId: p.principalId, clientId: p.clientId };
  }
  return { type: 'UserAssigned', userAssignedIdentities: out };
}

function configurationOf(a: ACtx, c: JsonObject, identity: JsonObject | undefined): JsonObject {
  const secrets = c.secrets ?? [];
  if (!Array.isArray(secrets)) throw bad('ContainerAppInvalidSecrets', 'configuration.secrets must be an array.');
  const names = new Set<string>();
  for (const s of secrets) {
    if (!isRecord(s) || typeof s.name !== 'string' || !/^[a-z0-9][a-z0-9.-]{0,251}[a-z0-9]$/.test(s.name)) {
      throw bad('ContainerAppSecretInvalidName', `Invalid secret name '${isRecord(s) ? String(s.name) : ''}': it must consist of lower case alphanumeric characters, '-' or '.', and start and end with an alphanumeric character.`);
    }
    if (names.has(s.name)) throw bad('ContainerAppDuplicateSecretName', `Secret name '${s.name}' is defined more than once.`);
    names.add(s.name);
    if (typeof s.value !== 'string' && typeof s.keyVaultUrl !== 'string') throw bad('ContainerAppSecretInvalidValue', `Secret '${s.name}' needs a value or a keyVaultUrl.`);
  }
  const ingress = c.ingress;
  if (ingress !== undefined && ingress !== null) {
    if (!isRecord(ingress)) throw bad('ContainerAppInvalidIngress', 'configuration.ingress must be an object.');
    const port = ingress.targetPort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw bad('ContainerAppInvalidIngressTargetPort', `Ingress targetPort '${String(port)}' is invalid: it must be an integer from 1 to 65535.`);
    }
    if (ingress.transport !== undefined && !['auto', 'http', 'http2', 'tcp'].includes(lc(ingress.transport))) throw bad('ContainerAppInvalidIngressTransport', `Ingress transport '${String(ingress.transport)}' is invalid.`);
  }
  const uai = Object.keys(((identity?.userAssignedIdentities ?? {}) as JsonObject));
  const registries = c.registries ?? [];
  if (!Array.isArray(registries)) throw bad('ContainerAppInvalidRegistries', 'configuration.registries must be an array.');
  for (const r of registries) {
    if (!isRecord(r) || typeof r.server !== 'string') throw bad('ContainerAppInvalidRegistryServer', 'Each registry needs a server.');
    const known = [...a.inv.resources.values()].some((x) => x.type === REGISTRY_TYPE && lc((x.properties as JsonObject).loginServer) === lc(r.server));
    if (!known) throw bad('ContainerAppInvalidRegistryServer', `Registry server '${r.server}' is not a registry login server known to the emulator (create the registry first).`);
    if (typeof r.identity === 'string' && r.identity !== '') {
      if (!uai.some((k) => k === r.identity)) {
        throw bad('InvalidRegistryIdentity', `The identity '${r.identity}' used for registry '${r.server}' must be one of the container app's user-assigned identities (full resource id, same casing as in identity.userAssignedIdentities).`);
      }
    } else if (typeof r.passwordSecretRef === 'string' && r.passwordSecretRef !== '') {
      if (!names.has(r.passwordSecretRef)) throw bad('ContainerAppSecretRefNotFound', `SecretRef '${r.passwordSecretRef}' defined for registry '${r.server}' not found.`);
    } else {
      throw bad('ContainerAppInvalidRegistryCredentials', `Registry '${r.server}' needs either an identity or a username and passwordSecretRef.`);
    }
  }
  const mode = c.activeRevisionsMode ?? 'Single';
  if (mode !== 'Single' && mode !== 'Multiple') throw bad('ContainerAppInvalidActiveRevisionsMode', `activeRevisionsMode '${String(mode)}' is invalid: use Single or Multiple.`);
  return {
    secrets: secrets.map((s: JsonObject) => ({ ...s })), activeRevisionsMode: mode, maxInactiveRevisions: c.maxInactiveRevisions ?? 100, dapr: c.dapr ?? null, service: null,
    registries: registries.map((r: JsonObject) => ({ server: r.server, username: r.username ?? '', passwordSecretRef: r.passwordSecretRef ?? '', identity: r.identity ?? '' })),
    ingress: isRecord(ingress) ? {
      external: ingress.external === true, targetPort: ingress.targetPort, exposedPort: ingress.exposedPort ?? 0, transport: ingress.transport ?? 'Auto',
      traffic: ingress.traffic ?? [{ weight: 100, latestRevision: true }], customDomains: ingress.customDomains ?? null, allowInsecure: ingress.allowInsecure === true,
      ipSecurityRestrictions: ingress.ipSecurityRestrictions ?? null, corsPolicy: ingress.corsPolicy ?? null, clientCertificateMode: ingress.clientCertificateMode ?? null,
      stickySessions: ingress.stickySessions ?? null, additionalPortMappings: ingress.additionalPortMappings ?? null,
    } : null,
  };
}

function containerOf(c: unknown, secretNames: Set<string>): JsonObject {
  if (!isRecord(c) || typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) throw bad('ContainerAppInvalidContainerName', `Invalid container name '${isRecord(c) ? String(c.name) : ''}'.`);
  if (typeof c.image !== 'string' || c.image === '') throw bad('InvalidParameterValueInContainerTemplate', `The following field(s) are either invalid or missing. Field 'template.containers.${c.name}.image' is invalid with details: 'Invalid value: "": image is required';..`);
  const env = c.env ?? [];
  if (!Array.isArray(env)) throw bad('ContainerAppInvalidEnvVar', `env of container '${c.name}' must be an array.`);
  for (const e of env) {
    if (!isRecord(e) || typeof e.name !== 'string' || !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) throw bad('ContainerAppInvalidEnvVarName', `Invalid environment variable name '${isRecord(e) ? String(e.name) : ''}' in container '${c.name}'.`);
    if (e.secretRef !== undefined && e.secretRef !== null && !secretNames.has(String(e.secretRef))) {
      throw bad('ContainerAppSecretRefNotFound', `SecretRef '${String(e.secretRef)}' defined for container '${c.name}' not found.`);
    }
  }
  const probes = c.probes ?? [];
  if (!Array.isArray(probes)) throw bad('ContainerAppInvalidProbe', `probes of container '${c.name}' must be an array.`);
  const types = new Set<string>();
  for (const p of probes) {
    if (!isRecord(p) || !['Liveness', 'Readiness', 'Startup'].includes(String(p.type))) throw bad('ContainerAppInvalidProbe', `Probe type '${isRecord(p) ? String(p.type) : ''}' is invalid: use Liveness, Readiness or Startup.`);
    if (types.has(String(p.type))) throw bad('ContainerAppInvalidProbe', `Container '${c.name}' has more than one ${String(p.type)} probe.`);
    types.add(String(p.type));
    const target = isRecord(p.httpGet) ? p.httpGet : isRecord(p.tcpSocket) ? p.tcpSocket : undefined;
    if (!target || typeof target.port !== 'number' || target.port < 1 || target.port > 65535) throw bad('ContainerAppInvalidProbe', `The ${String(p.type)} probe of container '${c.name}' needs httpGet or tcpSocket with a valid port.`);
  }
  const res = isRecord(c.resources) ? c.resources : {};
  return { ...c, env, probes, resources: { cpu: res.cpu ?? 0.5, memory: res.memory ?? '1Gi', ephemeralStorage: res.ephemeralStorage ?? '2Gi' } };
}

function templateOf(t: unknown, secretNames: Set<string>): JsonObject {
  if (!isRecord(t) || !Array.isArray(t.containers) || t.containers.length === 0) throw bad('ContainerAppInvalidTemplate', 'template.containers must list at least one container.');
  const containers = t.containers.map((c) => containerOf(c, secretNames));
  const cpu = containers.reduce((s, c) => s + Number((c.resources as JsonObject).cpu), 0);
  const mem = containers.reduce((s, c) => s + gi((c.resources as JsonObject).memory), 0);
  if (!PAIRS.some(([x, m]) => Math.abs(x - cpu) < 1e-9 && Math.abs(gi(m) - mem) < 1e-9)) {
    throw bad('ContainerAppInvalidResourceTotal', `The total requested CPU and memory resources for this application (CPU: ${cpu}, memory: ${mem}) is invalid. Total CPU and memory for all containers defined in a Container App must add up to one of the following CPU - Memory combinations: ${PAIRS.map(([x, m]) => `[cpu: ${x}, memory: ${gi(m).toFixed(1)}Gi]`).join('; ')}`);
  }
  const suffix = t.revisionSuffix;
  if (suffix !== undefined && suffix !== null && suffix !== '' && (typeof suffix !== 'string' || !/^(?!.*--)[a-z0-9][a-z0-9-]{0,62}$/.test(suffix) || suffix.endsWith('-'))) {
    throw bad('ContainerAppInvalidRevisionSuffix', `Invalid revisionSuffix '${String(suffix)}': it must consist of lower case alphanumeric characters or '-', end with an alphanumeric character and cannot have '--'.`);
  }
  const s = isRecord(t.scale) ? t.scale : {};
  const min = s.minReplicas ?? 0;
  const max = s.maxReplicas ?? 10;
  if (typeof min !== 'number' || typeof max !== 'number' || min < 0 || max < 1 || max > 1000 || min > max) {
    throw bad('ContainerAppInvalidScaleSettings', `Invalid scale settings: minReplicas ${String(min)}, maxReplicas ${String(max)} (0 <= min <= max, 1 <= max <= 1000).`);
  }
  return {
    revisionSuffix: typeof suffix === 'string' && suffix !== '' ? suffix : undefined, terminationGracePeriodSeconds: t.terminationGracePeriodSeconds ?? null,
    containers, initContainers: t.initContainers ?? null, scale: { minReplicas: min, maxReplicas: max, cooldownPeriod: s.cooldownPeriod ?? 300, pollingInterval: s.pollingInterval ?? 30, rules: s.rules ?? null },
    volumes: t.volumes ?? null, serviceBinds: t.serviceBinds ?? null,
  };
}

/** Validate the PUT body (400s as ACA words them); `appId` is the app's resource id. */
export function validateApp(a: ACtx, body: JsonObject, appId: string, region: Region): AppSpec {
  const p = isRecord(body.properties) ? body.properties : {};
  const envRef = p.managedEnvironmentId ?? p.environmentId;
  if (typeof envRef !== 'string' || envRef === '') throw bad('ManagedEnvironmentRequired', 'properties.managedEnvironmentId (or environmentId) is required.');
  const env = a.inv.get(envRef);
  if (!env || env.type !== ENV_TYPE) throw bad('ManagedEnvironmentNotFound', `The environment '${envRef}' was not found.`);
  if ((env.properties as JsonObject).provisioningState !== 'Succeeded') throw bad('ManagedEnvironmentNotProvisioned', `The environment '${String(env.id)}' has not been provisioned successfully.`);
  const envRegion = regionOf(env.location);
  if (envRegion && envRegion.name !== region.name) {
    throw bad('ContainerAppLocationMismatch', `The container app location '${String(body.location)}' must be the same as the location of its environment '${String(env.location)}'.`);
  }
  const identity = identityOf(a, body, appId);
  const configuration = configurationOf(a, isRecord(p.configuration) ? p.configuration : {}, identity);
  const secretNames = new Set(((configuration.secrets ?? []) as JsonObject[]).map((s) => String(s.name)));
  return { region: region.displayName, envId: String(env.id), identity, configuration, template: templateOf(p.template, secretNames) };
}

/** Two templates make the same revision when they differ at most in an omitted revisionSuffix. */
export function sameTemplate(next: JsonObject, current: JsonObject): boolean {
  const strip = (t: JsonObject): string => JSON.stringify(sortKeys({ ...t, revisionSuffix: undefined }));
  return strip(next) === strip(current) && (next.revisionSuffix === undefined || next.revisionSuffix === current.revisionSuffix);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.keys(v).filter((k) => v[k] !== undefined && v[k] !== null).sort().map((k) => [k, sortKeys(v[k])]));
}
