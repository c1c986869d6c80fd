// The Container Apps data plane behind the ARM resources: per app an ingress listener, the identity
// header its replicas use, log-stream tokens and system events; per revision a replica process (lifecycle.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AcrStore } from '../../core/acrStore.ts';
import type { GraphStore } from '../../core/graphStore.ts';
import type { ArmInventory, ArmOperation } from '../../core/inventory.ts';
import type { JsonObject } from '../../types.ts';
import { EventLog } from './events.ts';
import { type Ingress, startIngress } from './ingress.ts';
import { provisionRevision, wake } from './lifecycle.ts';
import type { Replica } from './replica.ts';

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

export class AcaRuntime {
  readonly env: AcaEnv;
  startupTimeoutMs = 15_000;
  /**
   * How long a new pull role assignment takes to apply (default 0). Azure RBAC changes can take up to 10 minutes
   * (learn.microsoft.com/azure/role-based-access-control/troubleshooting, "Role assignment changes are not being detected").
   */
  acrPullPropagationMs = 0;
  /**
   * Managed certificates stay Pending while this is on (DigiCert's validation not completing, e.g. an app not reachable
   * from the internet: microsoft/azure-container-apps#1542); the held operations complete once it is turned off.
   */
  readonly heldCertificates = new Set<ArmOperation>();
  certificatesPending = false;
  readonly #apps = new Map<string, AppRt>();
  readonly #waking = new Map<AppRt, Promise<number | undefined>>();
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
      rt.ingress = await startIngress(this.env.tls, () => this.#target(r));
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

  /** Provision a new revision (lifecycle.ts): the operation succeeds once pulled; activation follows. */
  provision(rt: AppRt, app: JsonObject, revision: JsonObject, op: ArmOperation | undefined, minDurationMs: number): Promise<void> {
    return provisionRevision(this, rt, app, revision, op, minDurationMs);
  }

  /** The port of the active revision's ready replica, starting one when the revision is at zero replicas. */
  #target(rt: AppRt): number | undefined | Promise<number | undefined> {
    if (!rt.active) return undefined;
    const inFlight = this.#waking.get(rt);
    if (inFlight) return inFlight;
    const rep = rt.replicas.get(rt.active);
    if (rep?.state === 'ready') return rep.port;
    if (rep?.state === 'starting') return undefined;
    // None (scaled to zero), or it stopped or crashed: a request starts one, as the scaler and the kubelet would.
    const waking = wake(this, rt).finally(() => this.#waking.delete(rt));
    this.#waking.set(rt, waking);
    return waking;
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
