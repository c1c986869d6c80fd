// Scenario switches for deploy/logs/token: ACR Tasks, Container Apps replicas, device-code sign-in
// (in-process objects) and their JSON form under POST /_emulator/config (`acr`, `aca`, `deviceCode`).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AcrImage, AcrStore } from '../core/acrStore.ts';
import { parseImageName } from '../core/acrStore.ts';
import type { Directory } from '../core/directory.ts';
import { finalImageConfig, type ImageConfig, parseDockerfile } from '../core/dockerfile.ts';
import { isRecord } from '../core/http.ts';
import type { ArmInventory } from '../core/inventory.ts';
import type { JsonObject, User } from '../types.ts';
import type { AcaRuntime } from './aca/runtime.ts';
import { type Replica, REPO_ROOT } from './aca/replica.ts';
import { dnsTarget, verificationId } from './arm/customDomains.ts';
import type { DeviceCodes } from './entra/deviceCode.ts';

export interface AcrSwitches {
  /** scheduleRun answers 400 TasksOperationsNotAllowed (as on Free Trial and some other subscriptions). */
  tasksNotAllowed(on: boolean): void;
  /** The next build fails at its first RUN step, `message` printed as the step's output. */
  failNextBuild(message?: string): void;
  /** Run logs kept in the registry: listLogSasUrl answers with logArtifactLink only, as for runs with a log template. */
  logsInRegistry(on: boolean): void;
  /** Docker Hub refuses the build agent's anonymous pulls (429 toomanyrequests): a FROM on Docker Hub fails the build. */
  dockerHubRateLimited(on: boolean): void;
  /** Images of a registry (by resource name): repository, tag, digest, the run that pushed it, image config. */
  images(registryName: string): AcrImage[];
  /**
   * Put `repository[:tag]` into a registry without a build (config from the repository's Dockerfile); `env` adds or
   * overrides image ENV entries (e.g. a setting the server refuses, for an image that never becomes ready).
   */
  pushImage(registryName: string, image: string, env?: Record<string, string>): AcrImage;
}

export interface AcaSwitches {
  /** How long a new replica may take to answer its readiness probe before the revision fails (default 15000 ms). */
  startupTimeout(ms: number): void;
  /** A pull role assignment takes effect only `ms` after it was created (default 0; Azure: up to about 10 minutes). */
  acrPullPropagation(ms: number): void;
  /** Managed certificates requested while on stay Pending; turning it off lets them complete (validation as usual). */
  certificatesPending(on: boolean): void;
  /** Console output lines of a revision's replica (default: the app's active, else latest, revision). */
  logs(appName: string, revision?: string): string[];
  /** The environment a revision's replica process was started with (same default revision), or undefined. */
  replicaEnv(appName: string, revision?: string): Record<string, string> | undefined;
  /** The subscription's customDomainVerificationId: the value of the `asuid.<host>` TXT record. */
  readonly customDomainVerificationId: string;
  /** Where a custom host name's CNAME must point for an app: `<app>.<environment defaultDomain>` (undefined: no such app). */
  dnsTarget(appName: string): string | undefined;
}

export interface DeviceCodeSwitches {
  /** Who approves a device code on its first poll: a user (object or oid), or false to wait for approve(). Default: the CLI user. */
  autoApprove(user: User | string | false): void;
  /** The `interval` (seconds) the devicecode endpoint asks clients to poll at (default 1; Entra says 5). */
  interval(seconds: number): void;
  /** Lifetime of new device codes in seconds (default 900). */
  expiresIn(seconds: number): void;
  /** Approve a pending code as a user (default: the CLI user), as the sign-in page would. */
  approve(userCode: string, user?: User | string): void;
  pending(): Array<{ userCode: string; clientId: string; scope: string; expiresAt: string; approvedBy: string | null }>;
}

export interface DeploySwitchEnv {
  /** The emulator's https URL. */
  url: string;
  inv: ArmInventory;
  acr: AcrStore;
  aca: AcaRuntime;
  codes: DeviceCodes;
  dir: Directory;
}

const lc = (s: unknown): string => String(s).toLowerCase();

function repoImageConfig(): ImageConfig {
  try {
    return finalImageConfig(parseDockerfile(readFileSync(`${REPO_ROOT}Dockerfile`, 'utf8')));
  } catch {
    return { env: {}, entrypoint: ['node', 'bin/mcp-obo'], cmd: ['serve', '--host', '0.0.0.0', '--port', '8000'], exposedPorts: ['8000/tcp'], workdir: '/app', user: 'node' };
  }
}

function oidOf(dir: Directory, u: User | string): string {
  const oid = typeof u === 'string' ? u : u.oid;
  if (!dir.getUser(oid)) throw new RangeError(`user ${oid} not found in the emulated directory`);
  return oid.toLowerCase();
}

export function deploySwitches(env: DeploySwitchEnv): { acr: AcrSwitches; aca: AcaSwitches; deviceCode: DeviceCodeSwitches } {
  const registry = (name: string): JsonObject => {
    const r = [...env.inv.resources.values()].find((x) => x.type === 'Microsoft.ContainerRegistry/registries' && lc(x.name) === lc(name));
    if (!r) throw new RangeError(`registry ${name} not found in the ARM inventory`);
    return r;
  };
  const acr: AcrSwitches = {
    tasksNotAllowed: (on) => void (env.acr.tasksNotAllowed = on),
    failNextBuild: (message = 'npm error code 1\nnpm error command failed') => void (env.acr.failNextBuild = message),
    logsInRegistry: (on) => void (env.acr.logsInRegistry = on),
    dockerHubRateLimited: (on) => void (env.acr.dockerHubRateLimited = on),
    images: (name) => structuredClone(env.acr.byName(name)?.images ?? []),
    pushImage: (name, image, extraEnv = {}) => {
      const r = registry(name);
      const p = parseImageName(image);
      if (!p || p.digest) throw new TypeError(`image must be 'repository[:tag]' (got '${image}')`);
      const c = env.acr.contents(String(r.id), String(r.name), String((r.properties as JsonObject).loginServer));
      const config = repoImageConfig();
      config.env = { ...config.env, ...extraEnv };
      return structuredClone(env.acr.push(c, { repository: p.repository, tag: p.tag ?? 'latest', digest: `sha256:${randomBytes(32).toString('hex')}`, config }));
    },
  };
  const replica = (appName: string, revision?: string): Replica | undefined => {
    const rt = env.aca.apps().find((a) => lc(a.name) === lc(appName));
    if (!rt) return undefined;
    const app = env.inv.get(rt.id);
    return rt.replicas.get(lc(revision ?? rt.active ?? (app?.properties as JsonObject | undefined)?.latestRevisionName ?? ''));
  };
  const aca: AcaSwitches = {
    startupTimeout: (ms) => {
      if (!Number.isInteger(ms) || ms < 100) throw new TypeError('startupTimeout must be an integer >= 100 (ms)');
      env.aca.startupTimeoutMs = ms;
    },
    certificatesPending: (on) => {
      env.aca.certificatesPending = on;
      if (on) return;
      for (const op of env.aca.heldCertificates) op.doneAt = Date.now();
      env.aca.heldCertificates.clear();
    },
    acrPullPropagation: (ms) => {
      if (!Number.isInteger(ms) || ms < 0) throw new TypeError('acrPullPropagation must be a non-negative integer (ms)');
      env.aca.acrPullPropagationMs = ms;
    },
    logs: (appName, revision) => (replica(appName, revision)?.lines ?? []).map((l) => l.text),
    replicaEnv: (appName, revision) => {
      const r = replica(appName, revision);
      return r ? { ...r.spec.env } : undefined;
    },
    customDomainVerificationId: verificationId(env.dir.subscriptionId),
    dnsTarget: (appName) => {
      const app = [...env.inv.resources.values()].find((x) => x.type === 'Microsoft.App/containerApps' && lc(x.name) === lc(appName));
      return app ? dnsTarget(env.inv, { name: String(app.name), envId: String((app.properties as JsonObject).managedEnvironmentId) }) : undefined;
    },
  };
  const deviceCode: DeviceCodeSwitches = {
    autoApprove: (u) => void (env.codes.autoApprove = u === false ? false : oidOf(env.dir, u)),
    interval: (s) => {
      if (!Number.isInteger(s) || s < 0) throw new TypeError('interval must be a non-negative integer (seconds)');
      env.codes.intervalSec = s;
    },
    expiresIn: (s) => {
      if (!Number.isInteger(s) || s < 1) throw new TypeError('expiresIn must be a positive integer (seconds)');
      env.codes.expiresInSec = s;
    },
    approve: (code, u) => void env.codes.approve(code, u === undefined ? env.dir.defaultUser.oid : oidOf(env.dir, u)),
    pending: () => [...env.codes.byUser.values()].filter((e) => !e.redeemed && e.expiresAt > Date.now())
      .map((e) => ({ userCode: e.userCode, clientId: e.clientId, scope: e.scope, expiresAt: new Date(e.expiresAt).toISOString(), approvedBy: e.approvedBy ?? null })),
  };
  return { acr, aca, deviceCode };
}

const only = (o: Record<string, unknown>, keys: string[], name: string): void => {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new TypeError(`unknown ${name} property '${k}'`);
};

/** The `acr`, `aca` and `deviceCode` parts of POST /_emulator/config (validated; throws TypeError). */
export function applyDeployConfig(s: ReturnType<typeof deploySwitches>, body: Record<string, unknown>): void {
  const { acr, aca, deviceCode } = body;
  if (acr !== undefined) {
    if (!isRecord(acr)) throw new TypeError('acr must be an object');
    only(acr, ['tasksNotAllowed', 'failNextBuild', 'logsInRegistry', 'dockerHubRateLimited'], 'acr');
    if (acr.dockerHubRateLimited !== undefined) {
      if (typeof acr.dockerHubRateLimited !== 'boolean') throw new TypeError('acr.dockerHubRateLimited must be a boolean');
      s.acr.dockerHubRateLimited(acr.dockerHubRateLimited);
    }
    if (acr.logsInRegistry !== undefined) {
      if (typeof acr.logsInRegistry !== 'boolean') throw new TypeError('acr.logsInRegistry must be a boolean');
      s.acr.logsInRegistry(acr.logsInRegistry);
    }
    if (acr.tasksNotAllowed !== undefined) {
      if (typeof acr.tasksNotAllowed !== 'boolean') throw new TypeError('acr.tasksNotAllowed must be a boolean');
      s.acr.tasksNotAllowed(acr.tasksNotAllowed);
    }
    if (acr.failNextBuild === true) s.acr.failNextBuild();
    else if (typeof acr.failNextBuild === 'string') s.acr.failNextBuild(acr.failNextBuild);
    else if (acr.failNextBuild !== undefined) throw new TypeError('acr.failNextBuild must be true or a message');
  }
  if (aca !== undefined) {
    if (!isRecord(aca)) throw new TypeError('aca must be an object');
    only(aca, ['startupTimeoutMs', 'acrPullPropagationMs', 'certificatesPending'], 'aca');
    if (aca.certificatesPending !== undefined) {
      if (typeof aca.certificatesPending !== 'boolean') throw new TypeError('aca.certificatesPending must be a boolean');
      s.aca.certificatesPending(aca.certificatesPending);
    }
    if (aca.startupTimeoutMs !== undefined) s.aca.startupTimeout(aca.startupTimeoutMs as number);
    if (aca.acrPullPropagationMs !== undefined) s.aca.acrPullPropagation(aca.acrPullPropagationMs as number);
  }
  if (deviceCode !== undefined) {
    if (!isRecord(deviceCode)) throw new TypeError('deviceCode must be an object');
    only(deviceCode, ['autoApprove', 'interval', 'expiresIn'], 'deviceCode');
    const a = deviceCode.autoApprove;
    if (a !== undefined) {
      if (a !== false && typeof a !== 'string') throw new TypeError('deviceCode.autoApprove must be false or a user oid');
      s.deviceCode.autoApprove(a);
    }
    if (deviceCode.interval !== undefined) s.deviceCode.interval(deviceCode.interval as number);
    if (deviceCode.expiresIn !== undefined) s.deviceCode.expiresIn(deviceCode.expiresIn as number);
  }
}

export function deployConfigSnapshot(env: DeploySwitchEnv): Record<string, unknown> {
  return {
    acr: { tasksNotAllowed: env.acr.tasksNotAllowed, failNextBuild: env.acr.failNextBuild ?? null, logsInRegistry: env.acr.logsInRegistry, dockerHubRateLimited: env.acr.dockerHubRateLimited },
    aca: { startupTimeoutMs: env.aca.startupTimeoutMs, acrPullPropagationMs: env.aca.acrPullPropagationMs, certificatesPending: env.aca.certificatesPending },
    deviceCode: { autoApprove: env.codes.autoApprove ?? env.dir.defaultUser.oid, interval: env.codes.intervalSec, expiresIn: env.codes.expiresInSec },
  };
}
