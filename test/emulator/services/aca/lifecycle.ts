// A revision's life as Container Apps reports it (runningState is an open enum: the spec lists Running, Processing,
// Stopped, Degraded, Failed, Unknown — azure-rest-api-specs specification/app/resource-manager/Microsoft.App/
// ContainerApps/stable/2025-07-01/ContainerAppsRevisions.json, `RevisionRunningState`, modelAsString — and the
// service also reports Activating, ActivationFailed, ScaledToZero and RunningAtMaxScale, which
// microsoft/vscode-azurecontainerapps handles by name in src/commands/image/imageSource/ContainerAppStartVerificationStep.ts):
//
//   Provisioning/Processing  image pull (a failed pull fails the revision and the app's operation)
//   Provisioned/Activating   the app's PUT completes here, before any replica is ready (vscode-azurecontainerapps#906:
//                            "Deployment silently fails but shows up as a success if image builds but doesn't run")
//   Running | RunningAtMaxScale   a replica passed readiness: the revision takes 100% of the traffic (single revision
//                            mode keeps the old one serving until then: learn.microsoft.com/azure/container-apps/
//                            application-lifecycle-management#zero-downtime-deployment)
//   ScaledToZero             min replicas 0 and no traffic yet: the first state after activation (vscode-azurecontainerapps
//                            PR #1088); the next request through the ingress starts a replica again (Activating -> Running)
//   ActivationFailed         no replica became ready; runningStateDetails says why; the old revision keeps the traffic
import { randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AcrImage } from '../../core/acrStore.ts';
import type { ArmOperation } from '../../core/inventory.ts';
import type { JsonObject } from '../../types.ts';
import { checkPull, imageFieldError } from './pull.ts';
import { distMissing, Replica, REPO_ROOT } from './replica.ts';
import { replicaEnv } from './replicaEnv.ts';
import type { AcaRuntime, AppRt } from './runtime.ts';

const REVISION_TYPE = 'Microsoft.App/containerApps/revisions';
const lc = (s: string): string => s.toLowerCase();
const props = (r: JsonObject): JsonObject => r.properties as JsonObject;
const alnum = (n: number): string => [...randomBytes(n)].map((x) => 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36]).join('');
const containerOf = (revision: JsonObject): JsonObject => ((props(revision).template as JsonObject).containers as JsonObject[])[0]!;
const scaleOf = (revision: JsonObject): { min: number; max: number } => {
  const s = ((props(revision).template as JsonObject).scale ?? {}) as JsonObject;
  return { min: Number(s.minReplicas ?? 0), max: Number(s.maxReplicas ?? 10) };
};
/** One replica runs here; at max scale when the revision allows only one. */
const runningState = (revision: JsonObject): string => (scaleOf(revision).max <= 1 ? 'RunningAtMaxScale' : 'Running');

type Started = { ok: true; replica: Replica } | { ok: false; details: string } | { ok: false; pull: string } | { ok: false; stopped: true };

/**
 * A project image's files (what its Dockerfile's `COPY . .` took from the context) in the replica's folder. Deviation:
 * no `npm ci` runs here, so its locked mcp-obo is this repository's build (a link), as the replica's process already is.
 */
async function layOut(files: NonNullable<AcrImage['files']>, cwd: string): Promise<void> {
  for (const e of files.entries) {
    await mkdir(dirname(join(cwd, e.path)), { recursive: true });
    await writeFile(join(cwd, e.path), e.data);
  }
  await mkdir(join(cwd, 'node_modules'), { recursive: true });
  await symlink(REPO_ROOT, join(cwd, 'node_modules', 'mcp-obo'), 'dir').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Paths into the image's project folder (MCP_OBO_TOOLS=/app/tools) as paths into the replica's folder. */
function inFolder(env: Record<string, string>, dir: string | undefined, cwd: string): Record<string, string> {
  if (!dir) return env;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.split(',').map((x) => (x === dir || x.startsWith(`${dir}/`) ? join(cwd, x.slice(dir.length)) : x)).join(',')]));
}

/** Pull (with the app's registry credential), then start a replica and wait for its readiness probe. */
async function startReplica(aca: AcaRuntime, rt: AppRt, app: JsonObject, revision: JsonObject, onPulled?: () => void): Promise<Started> {
  const revName = String(revision.name);
  const container = containerOf(revision);
  const replicaName = `${revName}-${randomBytes(5).toString('hex')}-${alnum(5)}`;
  const image = String(container.image);
  rt.events.add(rt.name, revName, replicaName, 'Normal', 'PullingImage', `Pulling image "${image}"`);
  const pulled = checkPull(aca.env, app, image, aca.acrPullPropagationMs);
  if (!pulled.ok) {
    rt.events.add(rt.name, revName, replicaName, 'Warning', 'ImagePullFailure', `Failed to pull image "${image}", error: ${pulled.detail}`);
    return { ok: false, pull: imageFieldError(String(container.name), pulled.detail) };
  }
  rt.events.add(rt.name, revName, replicaName, 'Normal', 'ImagePulled', `Successfully pulled image "${image}"`);
  const noDist = distMissing();
  if (noDist) return { ok: false, pull: noDist };
  onPulled?.();
  const cwd = join(aca.env.workDir, rt.name, revName);
  await mkdir(cwd, { recursive: true });
  if (pulled.image.files) await layOut(pulled.image.files, cwd);
  const readiness = ((container.probes ?? []) as JsonObject[]).find((p) => p.type === 'Readiness')?.httpGet as JsonObject | undefined;
  const replica = new Replica({
    name: replicaName, container: String(container.name), cwd, probePath: typeof readiness?.path === 'string' ? readiness.path : '/health', startupTimeoutMs: aca.startupTimeoutMs,
    env: inFolder(replicaEnv(aca.env, { app, revision, replicaName, image: pulled.image, ingressPort: rt.ingress?.port, identityHeader: rt.identityHeader }), pulled.image.files?.dir, cwd),
  });
  rt.replicas.set(lc(revName), replica);
  rt.events.add(rt.name, revName, replicaName, 'Normal', 'ContainerCreated', `Created container '${String(container.name)}'`);
  const started = await replica.start();
  // Stopped on purpose meanwhile (a restart, the app's deletion): whoever stopped it owns the revision's state now.
  if (replica.state === 'stopped' || !aca.app(rt.id)) return { ok: false, stopped: true };
  if (!started.ok) {
    rt.events.add(rt.name, revName, replicaName, 'Warning', 'ContainerTerminated', `Container '${String(container.name)}' was terminated with exit code '${String(replica.exitCode)}' and reason 'ProcessExited'`);
    return { ok: false, details: `${started.reason}. 0/1 replicas ready. Last output:\n${replica.lastOutput()}` };
  }
  rt.events.add(rt.name, revName, replicaName, 'Normal', 'ContainerStarted', `Started container '${String(container.name)}'`);
  replica.onCrash = () => {
    Object.assign(props(revision), { runningState: 'Failed', healthState: 'Unhealthy', replicas: 0, runningStateDetails: `Container '${String(container.name)}' terminated with exit code ${String(replica.exitCode)}. Last output:\n${replica.lastOutput()}` });
    rt.events.add(rt.name, revName, replicaName, 'Warning', 'ContainerTerminated', `Container '${String(container.name)}' was terminated with exit code '${String(replica.exitCode)}' and reason 'ProcessExited'`);
  };
  return { ok: true, replica };
}

/**
 * Provision a new revision. The app's operation (`op`) succeeds once the image is pulled, as in Azure; activation
 * goes on after it: the revision takes the traffic when a replica is ready, or ends ActivationFailed.
 */
export async function provisionRevision(aca: AcaRuntime, rt: AppRt, app: JsonObject, revision: JsonObject, op: ArmOperation | undefined, minDurationMs: number): Promise<void> {
  const t0 = Date.now();
  const rp = props(revision);
  const settle = (error?: { code: string; message: string }): void => {
    if (!op) return;
    if (error) op.error = error;
    op.doneAt = Math.max(Date.now(), t0 + minDurationMs);
  };
  const failMessage = (details: string): string => `Failed to provision revision for container app '${rt.name}'. Error details: ${details}`;
  Object.assign(rp, { provisioningState: 'Provisioning', runningState: 'Processing', healthState: 'None', provisioningError: null, runningStateDetails: null });
  const started = await startReplica(aca, rt, app, revision, () => {
    Object.assign(rp, { provisioningState: 'Provisioned', runningState: 'Activating' });
    settle();
  });
  if ('stopped' in started) return;
  if ('pull' in started) {
    Object.assign(rp, { provisioningState: 'Failed', runningState: 'Failed', healthState: 'Unhealthy', provisioningError: started.pull });
    return settle({ code: 'ContainerAppOperationError', message: failMessage(started.pull) });
  }
  if (!started.ok) {
    Object.assign(rp, { runningState: 'ActivationFailed', healthState: 'Unhealthy', replicas: 0, runningStateDetails: started.details });
    rt.events.add(rt.name, String(revision.name), '', 'Warning', 'RevisionActivationFailed', `Revision '${String(revision.name)}' failed to activate: ${started.details.split('\n')[0]}`);
    return;
  }
  await takeOver(aca, rt, app, revision);
  rt.events.add(rt.name, String(revision.name), started.replica.spec.name, 'Normal', 'RevisionReady', `Successfully provisioned revision '${String(revision.name)}'`);
  if (scaleOf(revision).min === 0) await scaleToZero(rt, revision);
}

/** Single revision mode: the ready revision gets the traffic; the previously active one stops. */
async function takeOver(aca: AcaRuntime, rt: AppRt, app: JsonObject, revision: JsonObject): Promise<void> {
  const now = new Date().toISOString();
  Object.assign(props(revision), { provisioningState: 'Provisioned', runningState: runningState(revision), healthState: 'Healthy', active: true, replicas: 1, trafficWeight: 100, lastActiveTime: now });
  const old = rt.active;
  rt.active = lc(String(revision.name));
  Object.assign(props(app), { latestReadyRevisionName: revision.name, runningStatus: 'Running' });
  for (const r of aca.env.inv.below(String(app.id))) {
    if (r.type !== REVISION_TYPE || r === revision || props(r).active !== true) continue;
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

/** Min replicas 0 and no request yet: KEDA takes the revision down to zero replicas. */
async function scaleToZero(rt: AppRt, revision: JsonObject): Promise<void> {
  const rep = rt.replicas.get(lc(String(revision.name)));
  if (!rep || rt.active !== lc(String(revision.name))) return;
  rep.onCrash = undefined;
  Object.assign(props(revision), { runningState: 'ScaledToZero', replicas: 0 });
  await rep.stop();
  // A request may have started a new replica meanwhile: that one stays.
  if (rt.replicas.get(lc(String(revision.name))) === rep) rt.replicas.delete(lc(String(revision.name)));
}

/**
 * A request for a revision at zero replicas: the ingress holds it while a replica starts (scale from zero), then
 * proxies to it. Resolves with the replica's port, or undefined when it could not start (ActivationFailed).
 */
export async function wake(aca: AcaRuntime, rt: AppRt): Promise<number | undefined> {
  const revision = rt.active ? aca.env.inv.get(`${rt.id}/revisions/${rt.active}`) : undefined;
  const app = aca.env.inv.get(rt.id);
  if (!revision || !app) return undefined;
  const rp = props(revision);
  Object.assign(rp, { runningState: 'Activating' });
  const started = await startReplica(aca, rt, app, revision);
  if ('stopped' in started) return undefined;
  if (!started.ok) {
    Object.assign(rp, { runningState: 'ActivationFailed', healthState: 'Unhealthy', replicas: 0, runningStateDetails: 'pull' in started ? started.pull : started.details });
    return undefined;
  }
  Object.assign(rp, { runningState: runningState(revision), healthState: 'Healthy', replicas: 1, runningStateDetails: null, lastActiveTime: new Date().toISOString() });
  return started.replica.state === 'ready' ? started.replica.port : undefined;
}
