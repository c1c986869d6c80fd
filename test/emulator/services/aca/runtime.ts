// The Container Apps data plane behind the ARM resources: per app an ingress listener, the identity
// header its replicas use, log-stream tokens and system events; per revision a replica process.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AcrStore } from '../../core/acrStore.ts';
import type { GraphStore } from '../../core/graphStore.ts';
import type { ArmInventory, ArmOperation } from '../../core/inventory.ts';
import type { JsonObject } from '../../types.ts';
import { EventLog } from './events.ts';
import { type Ingress, startIngress } from './ingress.ts';
import { checkPull, imageFieldError } from './pull.ts';
import { distMissing, Replica } from './replica.ts';
import { replicaEnv } from './replicaEnv.ts';

export interface AcaEnv {
  url: string;
  caCertPath: string;
  identityEndpoint: string;
  tls: { certPem: string; keyPem: string };
  workDir: string;
  inv: ArmInventory;
  acr: AcrStore;
  store: GraphStore;
  /** IDENTITY_HEADER value -> the identity resource ids the MI endpoint may serve for it. */
  miHeaders: Map<string, () => string[]>;
}

export interface AppRt {
  id: string;
  name: string;
  identityHeader: string;
  ingress: Ingress | undefined;
  replicas: Map<string, Replica>;
  /** Lower-cased name of the revision that receives the traffic. */
  active: string | undefined;
  events: EventLog;
}

const lc = (s: string): string => s.toLowerCase();
const props = (r: JsonObject): JsonObject => r.properties as JsonObject;
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const alnum = (n: number): string => [...randomBytes(n)].map((x) => 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36]).join('');

export class AcaRuntime {
  readonly env: AcaEnv;
  startupTimeoutMs = 15_000;
  readonly #apps = new Map<string, AppRt>();
  readonly #secret = randomBytes(32);

  constructor(env: AcaEnv) {
    this.env = env;
  }

  app(appId: string): AppRt | undefined {
    return this.#apps.get(lc(appId));
  }

  apps(): AppRt[] {
    return [...this.#apps.values()];
  }

  /** The runtime of an app, with an ingress listener when the app has ingress. */
  async ensure(app: JsonObject, ingress: boolean): Promise<AppRt> {
    let rt = this.#apps.get(lc(String(app.id)));
    if (!rt) {
      rt = { id: String(app.id), name: String(app.name), identityHeader: randomBytes(24).toString('hex'), ingress: undefined, replicas: new Map(), active: undefined, events: new EventLog() };
      this.#apps.set(lc(rt.id), rt);
      const appId = rt.id;
      this.env.miHeaders.set(rt.identityHeader, () => Object.keys(((this.env.inv.get(appId)?.identity as JsonObject | undefined)?.userAssignedIdentities ?? {}) as JsonObject));
    }
    if (ingress && !rt.ingress) {
      const r = rt;
      rt.ingress = await startIngress(this.env.tls, () => {
        const rep = r.active ? r.replicas.get(r.active) : undefined;
        return rep?.state === 'ready' ? rep.port : undefined;
      });
    }
    return rt;
  }

  /** A token for the log stream (what getAuthToken returns), bound to the app. */
  issueToken(appId: string, lifetimeSec = 3600): { token: string; expires: string } {
    const exp = Math.floor(Date.now() / 1000) + lifetimeSec;
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ aud: lc(appId), exp, iat: exp - lifetimeSec, iss: 'https://azurecontainerapps.dev' })}`;
    const sig = createHmac('sha256', this.#secret).update(head).digest('base64url');
    return { token: `${head}.${sig}`, expires: new Date(exp * 1000).toISOString() };
  }

  checkToken(appId: string, token: string | undefined): boolean {
    const parts = (token ?? '').split('.');
    if (parts.length !== 3) return false;
    const want = createHmac('sha256', this.#secret).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2]!, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return false;
    const c = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { aud: string; exp: number };
    return c.aud === lc(appId) && c.exp * 1000 > Date.now();
  }

  /**
   * Provision a new revision: pull (credential, then manifest), start a replica, wait for readiness.
   * The app's operation stays InProgress until then; success makes the revision active (the old
   * replica stops), failure fails the operation with ACA's ContainerAppOperationError.
   */
  async provision(rt: AppRt, app: JsonObject, revision: JsonObject, op: ArmOperation | undefined, minDurationMs: number): Promise<void> {
    const t0 = Date.now();
    const rp = props(revision);
    const revName = String(revision.name);
    const container = ((rp.template as JsonObject).containers as JsonObject[])[0]!;
    const settle = (error?: { code: string; message: string }): void => {
      if (!op) return;
      if (error) op.error = error;
      op.doneAt = Math.max(Date.now(), t0 + minDurationMs);
    };
    const fail = (kind: 'provisioning' | 'running', details: string): void => {
      Object.assign(rp, kind === 'provisioning'
        ? { provisioningState: 'Failed', runningState: 'Failed', healthState: 'Unhealthy', provisioningError: details }
        : { provisioningState: 'Provisioned', runningState: 'Failed', healthState: 'Unhealthy', runningStateDetails: details });
      settle({ code: 'ContainerAppOperationError', message: `Failed to provision revision for container app '${rt.name}'. Error details: ${details}` });
    };
    const replicaName = `${revName}-${randomBytes(5).toString('hex')}-${alnum(5)}`;
    const image = String(container.image);
    rt.events.add(rt.name, revName, replicaName, 'Normal', 'PullingImage', `Pulling image "${image}"`);
    const pulled = checkPull(this.env, app, image);
    if (!pulled.ok) {
      rt.events.add(rt.name, revName, replicaName, 'Warning', 'ImagePullFailure', `Failed to pull image "${image}", error: ${pulled.detail}`);
      return fail('provisioning', imageFieldError(String(container.name), pulled.detail));
    }
    rt.events.add(rt.name, revName, replicaName, 'Normal', 'ImagePulled', `Successfully pulled image "${image}"`);
    const noDist = distMissing();
    if (noDist) return fail('provisioning', noDist);
    const cwd = join(this.env.workDir, rt.name, revName);
    await mkdir(cwd, { recursive: true });
    const probes = (container.probes ?? []) as JsonObject[];
    const readiness = probes.find((p) => p.type === 'Readiness')?.httpGet as JsonObject | undefined;
    const replica = new Replica({
      name: replicaName, container: String(container.name), cwd, probePath: typeof readiness?.path === 'string' ? readiness.path : '/health', startupTimeoutMs: this.startupTimeoutMs,
      env: replicaEnv(this.env, { app, revision, replicaName, image: pulled.image, ingressPort: rt.ingress?.port, identityHeader: rt.identityHeader }),
    });
    rt.replicas.set(lc(revName), replica);
    rt.events.add(rt.name, revName, replicaName, 'Normal', 'ContainerCreated', `Created container '${String(container.name)}'`);
    const started = await replica.start();
    if (!this.#apps.has(lc(rt.id))) return;
    if (replica.state === 'stopped') return settle({ code: 'ContainerAppOperationError', message: `Failed to provision revision for container app '${rt.name}'. Error details: the revision was restarted while it was being provisioned.` });
    if (!started.ok) {
      rt.events.add(rt.name, revName, replicaName, 'Warning', 'ContainerTerminated', `Container '${String(container.name)}' was terminated with exit code '${String(replica.exitCode)}' and reason 'ProcessExited'`);
      return fail('running', `${started.reason}. 0/1 replicas ready. Last output:\n${replica.lastOutput()}`);
    }
    rt.events.add(rt.name, revName, replicaName, 'Normal', 'ContainerStarted', `Started container '${String(container.name)}'`);
    replica.onCrash = () => {
      Object.assign(rp, { runningState: 'Failed', healthState: 'Unhealthy', runningStateDetails: `Container '${String(container.name)}' terminated with exit code ${String(replica.exitCode)}. Last output:\n${replica.lastOutput()}` });
      rt.events.add(rt.name, revName, replicaName, 'Warning', 'ContainerTerminated', `Container '${String(container.name)}' was terminated with exit code '${String(replica.exitCode)}' and reason 'ProcessExited'`);
    };
    await this.#takeOver(rt, app, revision);
    rt.events.add(rt.name, revName, replicaName, 'Normal', 'RevisionReady', `Successfully provisioned revision '${revName}'`);
    settle();
  }

  /** Single revision mode: the new revision gets the traffic; the previously active one stops. */
  async #takeOver(rt: AppRt, app: JsonObject, revision: JsonObject): Promise<void> {
    const now = new Date().toISOString();
    Object.assign(props(revision), { provisioningState: 'Provisioned', runningState: 'Running', healthState: 'Healthy', active: true, replicas: 1, trafficWeight: 100, lastActiveTime: now });
    const old = rt.active;
    rt.active = lc(String(revision.name));
    Object.assign(props(app), { latestReadyRevisionName: revision.name, runningStatus: 'Running' });
    for (const r of this.env.inv.below(String(app.id))) {
      if (r.type !== 'Microsoft.App/containerApps/revisions' || r === revision || props(r).active !== true) continue;
      Object.assign(props(r), { active: false, replicas: 0, trafficWeight: 0, runningState: 'Stopped', healthState: 'None' });
    }
    if (old && old !== rt.active) {
      const rep = rt.replicas.get(old);
      if (rep) {
        rep.onCrash = undefined;
        await rep.stop();
      }
    }
  }

  /** Replicas of a revision as `GET .../revisions/{rev}/replicas` returns them. */
  replicasJson(appId: string, revision: JsonObject, sub: string, rg: string): JsonObject[] {
    const rt = this.app(appId);
    const rep = rt?.replicas.get(lc(String(revision.name)));
    if (!rt || !rep || rep.state === 'stopped') return [];
    const ready = rep.state === 'ready';
    const c = ((props(revision).template as JsonObject).containers as JsonObject[])[0]!;
    const base = `${this.env.url}/subscriptions/${sub}/resourceGroups/${rg}/containerApps/${rt.name}/revisions/${String(revision.name)}/replicas/${rep.spec.name}/containers/${String(c.name)}`;
    const running = ready ? 'Running' : rep.state === 'starting' ? 'Waiting' : 'Terminated';
    return [{
      id: `${String(revision.id)}/replicas/${rep.spec.name}`, name: rep.spec.name, type: 'Microsoft.App/containerApps/revisions/replicas',
      properties: {
        createdTime: rep.createdTime, runningState: ready ? 'Running' : 'NotRunning', runningStateDetails: ready ? '' : rep.detail, initContainers: [],
        containers: [{
          name: c.name, containerId: rep.containerId, ready, started: rep.state !== 'failed', restartCount: 0, runningState: running,
          runningStateDetails: ready ? '' : rep.detail, logStreamEndpoint: `${base}/logstream`, execEndpoint: `${base.replace('https://', 'wss://')}/exec`,
        }],
      },
    }];
  }

  /** Stop everything an app runs (its deletion, or its resource group's). */
  async remove(appId: string): Promise<void> {
    const rt = this.#apps.get(lc(appId));
    if (!rt) return;
    this.#apps.delete(lc(appId));
    this.env.miHeaders.delete(rt.identityHeader);
    rt.active = undefined;
    // The host name goes first (in Azure its DNS record disappears), then the replicas stop.
    await Promise.all([rt.ingress?.close(), ...[...rt.replicas.values()].map((r) => r.stop())]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#apps.keys()].map((k) => this.remove(k)));
  }
}
