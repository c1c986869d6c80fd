// Container apps: PUT as an LRO (Azure-AsyncOperation) that creates a revision when the template
// changes and completes once its image is pulled (aca/lifecycle.ts: activation goes on after it);
// GET, list, DELETE, getAuthToken, listSecrets.
import { createHash, randomBytes } from 'node:crypto';
import type { JsonObject } from '../../types.ts';
import { childId, getResource, requireLocation, requireRegistered, rgOf, systemData, tagsOf } from './common.ts';
import { APP_TYPE, type AppSpec, checkAppName, sameTemplate, validateApp } from './containerAppModel.ts';
import { checkCustomDomains, verificationId } from './customDomains.ts';
import { armError } from './errors.ts';
import { type ACtx, type ArmRoutes, RG, SUB } from './index.ts';
import { lroDelete, lroHeaders, startLro } from './lro.ts';

export const REVISION_TYPE = 'Microsoft.App/containerApps/revisions';
const lc = (s: unknown): string => String(s).toLowerCase();
const props = (r: JsonObject): JsonObject => r.properties as JsonObject;
const alnum = (n: number): string => [...randomBytes(n)].map((x) => 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36]).join('');

/** Secret values live beside the resource (GET shows names only), as in ACA. */
export function appSecrets(a: { inv: ACtx['inv'] }, appId: string): JsonObject[] {
  return (a.inv.secrets.get(lc(appId))?.secrets ?? []) as JsonObject[];
}

function outboundIps(envId: string): string[] {
  const h = createHash('sha256').update(lc(envId)).digest();
  return [0, 3, 6].map((o) => `20.${h[o]! % 223 + 1}.${h[o + 1]}.${h[o + 2]! % 254 + 1}`);
}

function revisionJson(a: ACtx, appId: string, name: string, suffix: string, template: JsonObject, domain: string): JsonObject {
  const now = new Date().toISOString();
  return {
    id: `${appId}/revisions/${name}`, name, type: REVISION_TYPE,
    properties: {
      createdTime: now, lastActiveTime: now, fqdn: `${name}.${domain}`, template: structuredClone({ ...template, revisionSuffix: suffix }), active: false, replicas: 0, trafficWeight: 0,
      labels: null, provisioningError: null, runningStateDetails: null, healthState: 'None', provisioningState: 'Provisioning', runningState: 'Processing',
    },
  };
}

function appJson(a: ACtx, id: string, name: string, body: JsonObject, spec: AppSpec, existing: JsonObject | undefined, fqdn: string | undefined): JsonObject {
  const old = (existing?.properties ?? {}) as JsonObject;
  const env = a.inv.get(spec.envId)!;
  const domain = String(props(env).defaultDomain);
  const rg = id.split('/')[4]!;
  const secrets = ((spec.configuration.secrets ?? []) as JsonObject[]).map((s) => ({ name: s.name, ...(s.keyVaultUrl ? { keyVaultUrl: s.keyVaultUrl, identity: s.identity ?? null } : {}) }));
  const ingress = spec.configuration.ingress as JsonObject | null;
  return {
    id, name, type: APP_TYPE, location: spec.region, tags: tagsOf(body) ?? {}, systemData: systemData(a, existing?.systemData as JsonObject | undefined),
    identity: spec.identity ?? { type: 'None' },
    properties: {
      provisioningState: 'InProgress', runningStatus: old.runningStatus === 'Running' ? 'Running' : 'Progressing', managedEnvironmentId: spec.envId, environmentId: spec.envId,
      workloadProfileName: (body.properties as JsonObject | undefined)?.workloadProfileName ?? null, outboundIpAddresses: outboundIps(spec.envId),
      latestRevisionName: old.latestRevisionName ?? null, latestReadyRevisionName: old.latestReadyRevisionName ?? null, latestRevisionFqdn: old.latestRevisionFqdn ?? null,
      customDomainVerificationId: verificationId(a.sub),
      configuration: { ...spec.configuration, secrets, ingress: ingress ? { ...ingress, fqdn: fqdn ?? `${name}.${domain}` } : null },
      template: spec.template, eventStreamEndpoint: `${a.url}/subscriptions/${a.sub}/resourceGroups/${rg}/containerApps/${name}/eventstream`, delegatedIdentities: [],
    },
  };
}

async function put(a: ACtx): Promise<void> {
  const [rgName, name] = [a.m[0]!, a.m[1]!];
  checkAppName(name);
  const rg = rgOf(a, rgName, { write: true });
  const id = childId(rg, APP_TYPE, name);
  a.authorize(`${APP_TYPE}/write`, id, APP_TYPE);
  requireRegistered(a, APP_TYPE);
  const body = a.body();
  const region = requireLocation(body, APP_TYPE);
  const spec = validateApp(a, body, id, region);
  const existing = a.inv.get(id);
  if (existing && (props(existing).provisioningState === 'InProgress' || props(existing).provisioningState === 'Deleting')) {
    throw armError(409, 'ContainerAppOperationInProgress', `Cannot modify a container app '${name}' because there is a pending operation in progress ('${String(props(existing).provisioningState)}'). Please try again later.`);
  }
  checkCustomDomains(a, spec, { id, name }, existing);
  const rt = await a.env.aca.ensure({ id, name }, spec.configuration.ingress !== null);
  const fqdn = rt.ingress ? `127.0.0.1:${rt.ingress.port}` : undefined;
  const app = appJson(a, id, name, body, spec, existing, fqdn);
  const p = props(app);
  const latest = typeof p.latestRevisionName === 'string' ? a.inv.get(`${id}/revisions/${p.latestRevisionName}`) : undefined;
  let revision: JsonObject | undefined;
  if (!latest || !sameTemplate(spec.template, props(latest).template as JsonObject)) {
    const suffix = (spec.template.revisionSuffix as string | undefined) ?? alnum(7);
    const revName = `${name}--${suffix}`;
    if (a.inv.get(`${id}/revisions/${revName}`)) {
      throw armError(400, 'ContainerAppRevisionAlreadyExists', `Revision '${revName}' already exists with a different template. Use a new template.revisionSuffix (or omit it) to create a new revision.`);
    }
    const domain = String(props(a.inv.get(spec.envId)!).defaultDomain);
    revision = revisionJson(a, id, revName, suffix, spec.template, domain);
    Object.assign(p, { latestRevisionName: revName, latestRevisionFqdn: `${revName}.${domain}` });
  }
  a.inv.put(app);
  a.inv.secrets.set(lc(id), { secrets: structuredClone((spec.configuration.secrets ?? []) as JsonObject[]) });
  const latency = a.env.timing.latency(APP_TYPE);
  const op = startLro(a, {
    type: APP_TYPE, resourceId: id,
    finish: (status) => {
      // The operation ends when the new revision is pulled, before it runs: traffic moves only once it is ready.
      const live = a.env.aca.app(id);
      Object.assign(p, { provisioningState: status === 'Succeeded' ? 'Succeeded' : 'Failed', runningStatus: live?.active ? 'Running' : 'Progressing' });
    },
  });
  if (revision) {
    a.inv.put(revision);
    op.doneAt = Number.POSITIVE_INFINITY;
    void a.env.aca.provision(rt, app, revision, op, latency);
  }
  a.send(existing ? 200 : 201, app, lroHeaders(a, op, 'Microsoft.App', region.name, { statusName: 'containerappOperationStatuses' }));
}

export function registerContainerApps(routes: ArmRoutes): void {
  const one = `${RG}/providers/Microsoft\\.App/containerApps/([^/]+)`;
  routes.on('PUT', one, APP_TYPE, put);
  routes.on('GET', one, APP_TYPE, (a) => a.send(200, getResource(a, a.m[0]!, APP_TYPE, a.m[1]!)));
  routes.on('GET', `${RG}/providers/Microsoft\\.App/containerApps`, APP_TYPE, (a) => {
    const rg = rgOf(a, a.m[0]!);
    a.send(200, { value: a.inv.below(String(rg.id)).filter((r) => r.type === APP_TYPE) });
  });
  routes.on('GET', `${SUB}/providers/Microsoft\\.App/containerApps`, APP_TYPE, (a) => a.send(200, { value: [...a.inv.resources.values()].filter((r) => r.type === APP_TYPE) }));

  routes.on('DELETE', one, APP_TYPE, (a) =>
    lroDelete(a, { type: APP_TYPE, ns: 'Microsoft.App', deletingState: 'Deleting', statusName: 'containerappOperationStatuses', removed: (app) => containerAppRemoved(a, app) }));

  routes.on('POST', `${one}/getAuthToken`, `${APP_TYPE}/getAuthToken`, (a) => {
    const app = getResource(a, a.m[0]!, APP_TYPE, a.m[1]!);
    a.authorize(`${APP_TYPE}/getAuthToken/action`, String(app.id), APP_TYPE);
    const t = a.env.aca.issueToken(String(app.id));
    const logStreamEndpoint = `${a.url}/subscriptions/${a.sub}/resourceGroups/${String(app.id).split('/')[4]}/containerApps/${String(app.name)}/logstream`;
    a.send(200, { id: app.id, name: app.name, type: APP_TYPE, location: app.location, tags: app.tags, properties: { token: t.token, expires: t.expires, logStreamEndpoint } });
  });

  routes.on('POST', `${one}/listSecrets`, `${APP_TYPE}/listSecrets`, (a) => {
    const app = getResource(a, a.m[0]!, APP_TYPE, a.m[1]!);
    a.authorize(`${APP_TYPE}/listSecrets/action`, String(app.id), APP_TYPE);
    a.send(200, { value: appSecrets(a, String(app.id)).map((s) => ({ name: s.name, value: s.value ?? null, keyVaultUrl: s.keyVaultUrl ?? null, identity: s.identity ?? null })) });
  });
}

/** Side effects of an app leaving the inventory (its DELETE or its resource group's): replicas and ingress stop. */
export function containerAppRemoved(a: ACtx, r: JsonObject): void {
  if (r.type !== APP_TYPE) return;
  void a.env.aca.remove(String(r.id));
}
