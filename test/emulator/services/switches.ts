// Scenario switches for ARM and Graph (in-process objects) and their JSON form (POST /_emulator/config).
import { guid, isRecord } from '../core/http.ts';
import { firstPartySp } from '../core/graphModels.ts';
import type { GraphStore } from '../core/graphStore.ts';
import type { ArmInventory } from '../core/inventory.ts';
import type { DnsType, PublicDns } from '../core/dns.ts';
import type { Timing } from '../core/timing.ts';
import { DIRECTORY_ROLES, FIRST_PARTY } from '../core/wellKnown.ts';
import type { ArmErrorInfo, Latency, Propagation } from '../types.ts';
import { canonicalNamespace } from './arm/catalog.ts';
import { assignRole, removeRoles } from './arm/rbac.ts';
import { applyDeployConfig, deployConfigSnapshot, type DeploySwitchEnv, type deploySwitches } from './deploySwitches.ts';

export interface ArmSwitches {
  /** Mark a resource provider namespace NotRegistered: PUTs of its types fail 409 MissingSubscriptionRegistration until it is registered. */
  unregistered(ns: string): void;
  /** 403 AuthorizationFailed on ARM writes by this principal (all types, or only `types` such as 'Microsoft.App/managedEnvironments'). */
  denyWrites(principalOid: string, types?: string[]): void;
  allowWrites(principalOid: string): void;
  /** Registry names owned by someone else (checkNameAvailability AlreadyExists, PUT 409 AlreadyInUse). */
  readonly takenRegistryNames: Set<string>;
  /** The next `times` role-assignment PUTs fail 400 PrincipalNotFound, even with principalType. */
  forcePrincipalNotFound(times: number): void;
  /** Send `Retry-After: seconds` on LRO responses (1 by default; undefined: never). */
  retryAfter(seconds: number | undefined): void;
  /** The next LRO of `type` ends Failed with this error (resource provisioningState Failed). */
  failNextOperation(type: string, error?: ArmErrorInfo): void;
  /** api-version values seen per resource type / route kind. */
  apiVersions(): Record<string, string[]>;
  /** Give a principal an Azure role (built-in, by name or id) at a scope (default: the subscription). */
  assignRole(principalOid: string, role: string, scope?: string): void;
  /** Take every Azure role a principal holds (then it may write nothing). */
  removeRoles(principalOid: string): void;
}

export interface GraphSwitches {
  /** Verified domains for identifierUris and GET /domains (default: the tenant's initial domain). */
  verifiedDomains: string[];
  /** Add a custom domain to the tenant, verified or not (GET /domains lists both; only verified ones allow https identifierUris). */
  addDomain(name: string, verified: boolean): void;
  /** 403 Authorization_RequestDenied on every Graph write by this principal. */
  denyWrites(principalOid: string): void;
  allowWrites(principalOid: string): void;
  /** policies/authorizationPolicy defaultUserRolePermissions.allowedToCreateApps. */
  allowedToCreateApps(allowed: boolean): void;
  /** Create (true) or remove (false) the Azure DevOps service principal (missing by default). */
  devopsServicePrincipal(present: boolean): void;
  /** Replace the deployer's Microsoft Graph app roles (values, e.g. 'Application.ReadWrite.All'); [] removes them. Affects newly issued tokens. */
  setDeployerRoles(values: string[]): void;
  /** The tenant's app management policy for passwords: a maximum lifetime, or none allowed; undefined removes it. */
  appManagementPolicy(p: { maxPasswordLifetimeDays?: number; blockPasswords?: boolean } | undefined): void;
  /** Whether the tenant has Entra ID P1/P2 (default true): without it, assigning a group to an app is refused. */
  premium(has: boolean): void;
  /** policies/authorizationPolicy defaultUserRolePermissions.allowedToCreateSecurityGroups. */
  allowedToCreateSecurityGroups(allowed: boolean): void;
  /** Give a user, service principal or (role-assignable) group a built-in directory role, by name ('Application Developer'). */
  assignDirectoryRole(principalOid: string, role: string): void;
  /** Take every directory role a principal holds directly. */
  removeDirectoryRoles(principalOid: string): void;
}

export function armSwitches(inv: ArmInventory, store: GraphStore): ArmSwitches {
  return {
    assignRole: (oid, role, scope) => void assignRole(inv, store.dir.subscriptionId, oid, store.principal(oid)?.type ?? 'ServicePrincipal', role, scope),
    removeRoles: (oid) => removeRoles(inv, oid),
    unregistered: (ns) => inv.setRegistration(canonicalNamespace(ns) ?? ns, 'NotRegistered'),
    denyWrites: (oid, types) => void inv.deniedWriters.set(oid.toLowerCase(), types ? [...types] : null),
    allowWrites: (oid) => void inv.deniedWriters.delete(oid.toLowerCase()),
    takenRegistryNames: inv.takenRegistryNames,
    forcePrincipalNotFound: (times) => {
      if (!Number.isInteger(times) || times < 0) throw new TypeError('forcePrincipalNotFound: times must be a non-negative integer');
      inv.forcePrincipalNotFound = times;
    },
    retryAfter: (s) => {
      if (s !== undefined && (!Number.isInteger(s) || s < 0)) throw new TypeError('retryAfter must be a non-negative integer (seconds) or undefined');
      inv.retryAfter = s;
    },
    failNextOperation: (type, error = { code: 'InternalServerError', message: 'Emulated provisioning failure.' }) => void inv.failNext.set(type.toLowerCase(), error),
    apiVersions: () => Object.fromEntries([...inv.apiVersions].map(([k, v]) => [k, [...v]])),
  };
}

export function graphSwitches(store: GraphStore): GraphSwitches {
  return {
    get verifiedDomains() {
      return store.verifiedDomains;
    },
    set verifiedDomains(v: string[]) {
      store.verifiedDomains = [...v];
    },
    addDomain: (name, verified) => {
      const n = name.trim().toLowerCase().replace(/\.$/, '');
      if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(n)) throw new TypeError(`'${name}' is not a valid domain name`);
      store.verifiedDomains = store.verifiedDomains.filter((d) => d.toLowerCase() !== n);
      store.unverifiedDomains = store.unverifiedDomains.filter((d) => d !== n);
      (verified ? store.verifiedDomains : store.unverifiedDomains).push(n);
    },
    denyWrites: (oid) => void store.deniedWriters.add(oid.toLowerCase()),
    allowWrites: (oid) => void store.deniedWriters.delete(oid.toLowerCase()),
    allowedToCreateApps: (v) => void (store.allowedToCreateApps = v),
    devopsServicePrincipal: (present) => {
      const sp = store.spByAppId(FIRST_PARTY.devops.appId);
      if (present && !sp) store.addSp(firstPartySp(FIRST_PARTY.devops), 0);
      if (!present && sp) store.removeSp(String(sp.obj.id));
      store.sync();
    },
    setDeployerRoles: (values) => store.setAppRoles(store.dir.deployer.spObjectId, FIRST_PARTY.graph.appId, values),
    allowedToCreateSecurityGroups: (v) => void (store.allowedToCreateSecurityGroups = v),
    premium: (v) => void (store.premium = v),
    assignDirectoryRole: (oid, role) => {
      const id = DIRECTORY_ROLES[role];
      if (!id) throw new TypeError(`unknown directory role '${role}' (one of: ${Object.keys(DIRECTORY_ROLES).join(', ')})`);
      store.assignDirectoryRole(oid, id);
    },
    removeDirectoryRoles: (oid) => {
      for (const members of store.roleMembers.values()) members.delete(oid.toLowerCase());
    },
    appManagementPolicy: (p) => {
      if (p?.maxPasswordLifetimeDays !== undefined && (!Number.isInteger(p.maxPasswordLifetimeDays) || p.maxPasswordLifetimeDays < 1)) throw new TypeError('maxPasswordLifetimeDays must be a positive integer');
      store.appManagementPolicy = p === undefined ? undefined : { id: guid(), ...p };
    },
  };
}

export interface SwitchEnv {
  timing: Timing;
  arm: ArmSwitches;
  graph: GraphSwitches;
  inv: ArmInventory;
  store: GraphStore;
  /** ACR Tasks, Container Apps and device-code switches. */
  deploy: ReturnType<typeof deploySwitches>;
  deployEnv: DeploySwitchEnv;
  dns: PublicDns;
}

const strings = (v: unknown, name: string): string[] => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new TypeError(`${name} must be an array of strings`);
  return v as string[];
};

const only = (o: Record<string, unknown>, keys: string[], name: string): void => {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new TypeError(`unknown ${name} property '${k}'`);
};

/** Apply `POST /_emulator/config` (validated; throws TypeError). */
export function applyConfig(env: SwitchEnv, body: Record<string, unknown>): void {
  only(body, ['propagation', 'latency', 'arm', 'graph', 'acr', 'aca', 'deviceCode', 'dns'], 'config');
  if (body.dns !== undefined) {
    const d = body.dns;
    if (!isRecord(d)) throw new TypeError('dns must be an object {set?: [{name, type, values}], delete?: [{name, type}]}');
    only(d, ['set', 'delete'], 'dns');
    for (const [k, list] of [['set', d.set], ['delete', d.delete]] as const) {
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.some((r) => !isRecord(r) || typeof r.name !== 'string' || typeof r.type !== 'string')) throw new TypeError(`dns.${k} must be an array of {name, type${k === 'set' ? ', values' : ''}}`);
      for (const r of list as Array<Record<string, unknown>>) {
        if (k === 'set') env.dns.set(r.name as string, r.type as DnsType, strings(r.values, 'dns.set[].values'));
        else env.dns.delete(r.name as string, r.type as DnsType);
      }
    }
  }
  applyDeployConfig(env.deploy, body);
  if (body.propagation !== undefined) {
    if (!isRecord(body.propagation)) throw new TypeError('propagation must be an object');
    only(body.propagation, ['graphMs', 'principalMs', 'secretMs'], 'propagation');
    env.timing.setPropagation(body.propagation as Propagation);
  }
  if (body.latency !== undefined) {
    if (!isRecord(body.latency)) throw new TypeError('latency must be an object');
    env.timing.setLatency(body.latency as Latency);
  }
  const arm = body.arm;
  if (arm !== undefined) {
    if (!isRecord(arm)) throw new TypeError('arm must be an object');
    only(arm, ['unregistered', 'registered', 'denyWrites', 'allowWrites', 'takenRegistryNames', 'forcePrincipalNotFound', 'retryAfter', 'failNextOperation', 'assignRoles', 'removeRoles'], 'arm');
    if (arm.removeRoles !== undefined) strings(arm.removeRoles, 'arm.removeRoles').forEach((o) => env.arm.removeRoles(o));
    if (arm.assignRoles !== undefined) {
      if (!Array.isArray(arm.assignRoles)) throw new TypeError('arm.assignRoles must be an array of {principalOid, role, scope?}');
      for (const r of arm.assignRoles) {
        if (!isRecord(r) || typeof r.principalOid !== 'string' || typeof r.role !== 'string' || (r.scope !== undefined && typeof r.scope !== 'string')) throw new TypeError('arm.assignRoles entries need principalOid and role');
        env.arm.assignRole(r.principalOid, r.role, r.scope as string | undefined);
      }
    }
    if (arm.unregistered !== undefined) strings(arm.unregistered, 'arm.unregistered').forEach((ns) => env.arm.unregistered(ns));
    if (arm.registered !== undefined) strings(arm.registered, 'arm.registered').forEach((ns) => env.inv.setRegistration(canonicalNamespace(ns) ?? ns, 'Registered'));
    if (arm.denyWrites !== undefined) {
      if (!Array.isArray(arm.denyWrites)) throw new TypeError('arm.denyWrites must be an array of {principalOid, types?}');
      for (const d of arm.denyWrites) {
        if (!isRecord(d) || typeof d.principalOid !== 'string') throw new TypeError('arm.denyWrites entries need principalOid');
        env.arm.denyWrites(d.principalOid, d.types === undefined ? undefined : strings(d.types, 'arm.denyWrites[].types'));
      }
    }
    if (arm.allowWrites !== undefined) strings(arm.allowWrites, 'arm.allowWrites').forEach((o) => env.arm.allowWrites(o));
    if (arm.takenRegistryNames !== undefined) strings(arm.takenRegistryNames, 'arm.takenRegistryNames').forEach((n) => env.arm.takenRegistryNames.add(n));
    if (arm.forcePrincipalNotFound !== undefined) env.arm.forcePrincipalNotFound(arm.forcePrincipalNotFound as number);
    if (arm.retryAfter !== undefined) env.arm.retryAfter(arm.retryAfter === null ? undefined : (arm.retryAfter as number));
    if (arm.failNextOperation !== undefined) {
      const f = arm.failNextOperation;
      if (!isRecord(f) || typeof f.type !== 'string') throw new TypeError('arm.failNextOperation needs {type, code?, message?}');
      env.arm.failNextOperation(f.type, typeof f.code === 'string' && typeof f.message === 'string' ? { code: f.code, message: f.message } : undefined);
    }
  }
  const graph = body.graph;
  if (graph !== undefined) {
    if (!isRecord(graph)) throw new TypeError('graph must be an object');
    only(graph, ['verifiedDomains', 'unverifiedDomains', 'denyWrites', 'allowWrites', 'allowedToCreateApps', 'allowedToCreateSecurityGroups', 'devopsServicePrincipal', 'deployerRoles', 'appManagementPolicy', 'directoryRoles', 'premium'], 'graph');
    if (graph.directoryRoles !== undefined) {
      if (!Array.isArray(graph.directoryRoles)) throw new TypeError('graph.directoryRoles must be an array of {principalOid, role}');
      for (const r of graph.directoryRoles) {
        if (!isRecord(r) || typeof r.principalOid !== 'string' || typeof r.role !== 'string') throw new TypeError('graph.directoryRoles entries need principalOid and role');
        env.graph.assignDirectoryRole(r.principalOid, r.role);
      }
    }
    if (graph.appManagementPolicy !== undefined) {
      const p = graph.appManagementPolicy;
      if (p !== null && !isRecord(p)) throw new TypeError('graph.appManagementPolicy must be an object {maxPasswordLifetimeDays?, blockPasswords?} or null');
      env.graph.appManagementPolicy(p === null ? undefined : (p as { maxPasswordLifetimeDays?: number; blockPasswords?: boolean }));
    }
    if (graph.verifiedDomains !== undefined) env.graph.verifiedDomains = strings(graph.verifiedDomains, 'graph.verifiedDomains');
    if (graph.unverifiedDomains !== undefined) strings(graph.unverifiedDomains, 'graph.unverifiedDomains').forEach((n) => env.graph.addDomain(n, false));
    if (graph.denyWrites !== undefined) strings(graph.denyWrites, 'graph.denyWrites').forEach((o) => env.graph.denyWrites(o));
    if (graph.allowWrites !== undefined) strings(graph.allowWrites, 'graph.allowWrites').forEach((o) => env.graph.allowWrites(o));
    for (const k of ['allowedToCreateApps', 'allowedToCreateSecurityGroups', 'devopsServicePrincipal', 'premium'] as const) {
      if (graph[k] !== undefined && typeof graph[k] !== 'boolean') throw new TypeError(`graph.${k} must be a boolean`);
    }
    if (graph.allowedToCreateApps !== undefined) env.graph.allowedToCreateApps(graph.allowedToCreateApps as boolean);
    if (graph.allowedToCreateSecurityGroups !== undefined) env.graph.allowedToCreateSecurityGroups(graph.allowedToCreateSecurityGroups as boolean);
    if (graph.premium !== undefined) env.graph.premium(graph.premium as boolean);
    if (graph.devopsServicePrincipal !== undefined) env.graph.devopsServicePrincipal(graph.devopsServicePrincipal as boolean);
    if (graph.deployerRoles !== undefined) env.graph.setDeployerRoles(strings(graph.deployerRoles, 'graph.deployerRoles'));
  }
}

/** The current switch values (GET /_emulator/config). */
export function configSnapshot(env: SwitchEnv): Record<string, unknown> {
  return {
    propagation: { ...env.timing.propagation },
    latency: env.timing.latencies(),
    arm: {
      notRegistered: [...env.inv.providers].filter(([, p]) => p.state !== 'Registered').map(([ns]) => ns),
      denyWrites: [...env.inv.deniedWriters].map(([principalOid, types]) => (types ? { principalOid, types } : { principalOid })),
      takenRegistryNames: [...env.inv.takenRegistryNames], forcePrincipalNotFound: env.inv.forcePrincipalNotFound, retryAfter: env.inv.retryAfter ?? null,
      apiVersions: env.arm.apiVersions(),
    },
    graph: {
      verifiedDomains: [...env.store.verifiedDomains], unverifiedDomains: [...env.store.unverifiedDomains], denyWrites: [...env.store.deniedWriters], allowedToCreateApps: env.store.allowedToCreateApps,
      devopsServicePrincipal: env.store.spByAppId(FIRST_PARTY.devops.appId) !== undefined,
    },
    ...deployConfigSnapshot(env.deployEnv),
    dns: env.dns.records(),
  };
}
