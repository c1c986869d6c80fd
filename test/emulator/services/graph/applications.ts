// Graph applications: create, read, list, update, upsert by uniqueName, delete, addPassword / removePassword.
import { header } from '../../core/http.ts';
import { mergeGraph, newApplication } from '../../core/graphModels.ts';
import type { AppRec } from '../../core/graphStore.ts';
import type { Application, JsonObject } from '../../types.ts';
import { APP_PROPS, validateApp } from './appValidation.ts';
import { requireCreate, requireManage } from './authz.ts';
import { badRequest, notFound } from './errors.ts';
import { checkProps, entity, type GCtx, type GraphRoutes, KEY, PERM } from './index.ts';
import { queryCollection, selectProps } from './odata.ts';

const FILTERABLE = ['id', 'appId', 'displayName', 'uniqueName', 'identifierUris', 'tags', 'signInAudience', 'publisherDomain', 'createdDateTime'];

/** The application named by a KEY match (groups i, i+1, i+2); invisible during its propagation window. */
export function findApp(g: GCtx, i = 0, opts: { allowMissing?: boolean } = {}): AppRec | undefined {
  const [id, prop, raw] = [g.m[i], g.m[i + 1], g.m[i + 2]];
  const value = (raw ?? '').replace(/''/g, "'");
  let rec: AppRec | undefined;
  if (id) rec = g.store.apps.get(id.toLowerCase());
  else if (prop?.toLowerCase() === 'appid') rec = g.store.appByAppId(value);
  else if (prop?.toLowerCase() === 'uniquename') rec = g.store.appByUniqueName(value);
  else throw badRequest(`The key property '${prop}' is not supported for applications.`, 'BadRequest');
  if (!g.store.visible(rec)) {
    if (opts.allowMissing && !rec) return undefined;
    throw notFound(id || value);
  }
  return rec;
}

/**
 * The tenant's app management policy (learn.microsoft.com/graph/api/resources/appmanagementpolicy,
 * passwordCredentials restrictions passwordAddition and passwordLifetime). Graph's answers: 400
 * CredentialTypeNotAllowedAsPerAppPolicy and 400 CredentialInvalidLifetimeAsPerAppPolicy "Credential lifetime
 * exceeds the max value allowed as per assigned policy '{id}'." (microsoft/PubSec-Info-Assistant#681,
 * Azure/azure-cli#28522, where a missing endDateTime, that is the default 2 years, tripped it).
 */
function checkPasswordPolicy(g: GCtx, pc: JsonObject): void {
  const policy = g.store.appManagementPolicy;
  if (!policy) return;
  if (policy.blockPasswords) throw badRequest(`Credential type not allowed as per assigned policy '${policy.id}'.`, 'CredentialTypeNotAllowedAsPerAppPolicy');
  if (policy.maxPasswordLifetimeDays === undefined) return;
  const start = typeof pc.startDateTime === 'string' ? Date.parse(pc.startDateTime) : Date.now();
  const end = typeof pc.endDateTime === 'string' ? Date.parse(pc.endDateTime) : start + 2 * 365 * 86_400_000;
  if (end - start > policy.maxPasswordLifetimeDays * 86_400_000) {
    throw badRequest(`Credential lifetime exceeds the max value allowed as per assigned policy '${policy.id}'.`, 'CredentialInvalidLifetimeAsPerAppPolicy');
  }
}

function appBody(body: JsonObject): JsonObject {
  checkProps(body, APP_PROPS, 'application');
  return body;
}

function create(g: GCtx, body: JsonObject): AppRec {
  // With allowedToCreateApps off, users need an app-creating directory role.
  requireCreate(g, 'application');
  const obj = newApplication(appBody(body), g.env.dir.tenantDomain);
  validateApp(g.store, obj);
  const entra: Application = {
    displayName: String(obj.displayName), clientId: String(obj.appId), objectId: String(obj.id), spObjectId: '', secrets: [], federatedCredentials: [],
    identifierUris: [], publishedScopes: [], delegatedPermissions: {}, consentGranted: { graph: false, devops: false }, appRoleAssignmentRequired: false, graphManaged: true,
  };
  const rec: AppRec = { obj, visibleAt: g.store.newVisibleAt(), fics: [], secrets: new Map(), secretUsableAt: new Map(), entra, owners: [g.caller.oid] };
  g.store.apps.set(String(obj.id), rec);
  g.env.dir.registerApp(entra);
  g.store.sync();
  return rec;
}

function update(g: GCtx, rec: AppRec, body: JsonObject): void {
  requireManage(g, rec, 'application');
  const merged = mergeGraph(rec.obj, appBody(body));
  validateApp(g.store, merged, rec);
  rec.obj = merged;
}

export function registerApplications(routes: GraphRoutes): void {
  routes.on('POST', '/applications', PERM.app, (g) => {
    const rec = create(g, g.body());
    g.send(201, entity(g, 'applications/$entity', rec.obj), { location: `${g.base}/directoryObjects/${String(rec.obj.id)}/Microsoft.DirectoryServices.Application` });
  });

  routes.on('GET', '/applications', undefined, (g) => {
    const items = [...g.store.apps.values()].map((r) => r.obj);
    g.send(200, queryCollection(g.ctx, `${g.base}/applications`, `${g.base}/$metadata#applications`, items, { entity: 'application', filterable: FILTERABLE }));
  });

  routes.on('GET', `/applications${KEY}`, undefined, (g) => {
    const rec = findApp(g)!;
    g.send(200, entity(g, 'applications/$entity', selectProps(rec.obj, g.ctx.query.get('$select'))));
  });

  routes.on('PATCH', `/applications${KEY}`, PERM.app, (g) => {
    const body = g.body();
    const upsert = /(^|[,;\s])create-if-missing($|[,;\s])/i.test(header(g.ctx, 'prefer') ?? '');
    const rec = findApp(g, 0, { allowMissing: upsert && g.m[1]?.toLowerCase() === 'uniquename' });
    if (!rec) {
      const created = create(g, { ...body, uniqueName: g.m[2]!.replace(/''/g, "'") });
      return g.send(201, entity(g, 'applications/$entity', created.obj));
    }
    update(g, rec, body);
    g.send(204);
  });

  routes.on('DELETE', `/applications${KEY}`, PERM.app, (g) => {
    const rec = findApp(g)!;
    requireManage(g, rec, 'application');
    g.store.remove('application', String(rec.obj.id));
    g.send(204);
  });

  routes.on('POST', `/applications${KEY}/addPassword`, PERM.app, (g) => {
    const rec = findApp(g)!;
    requireManage(g, rec, 'application');
    const body = g.ctx.rawBody.length === 0 ? {} : g.body();
    checkProps(body, ['passwordCredential'], 'application.addPassword');
    const pc = (body.passwordCredential ?? {}) as JsonObject;
    checkProps(pc, ['displayName', 'endDateTime', 'startDateTime', 'customKeyIdentifier', 'keyId', 'hint', 'secretText'], 'passwordCredential');
    for (const k of ['endDateTime', 'startDateTime'] as const) {
      if (pc[k] !== undefined && (typeof pc[k] !== 'string' || Number.isNaN(Date.parse(pc[k] as string)))) throw badRequest(`Invalid value specified for property '${k}' of resource 'PasswordCredential'.`);
    }
    if (typeof pc.endDateTime === 'string' && Date.parse(pc.endDateTime) <= Date.now()) throw badRequest('Key credential end date is invalid.', 'KeyCredentialsInvalidEndDate');
    checkPasswordPolicy(g, pc);
    g.send(200, entity(g, 'microsoft.graph.passwordCredential', g.store.addPassword(rec, pc)));
  });

  routes.on('POST', `/applications${KEY}/removePassword`, PERM.app, (g) => {
    const rec = findApp(g)!;
    requireManage(g, rec, 'application');
    const keyId = g.body().keyId;
    const list = rec.obj.passwordCredentials as JsonObject[];
    const i = list.findIndex((c) => typeof keyId === 'string' && String(c.keyId).toLowerCase() === keyId.toLowerCase());
    if (i === -1) throw badRequest(`No password credential found with keyId '${String(keyId)}'.`);
    rec.secrets.delete(String(list[i]!.keyId));
    list.splice(i, 1);
    g.send(204);
  });
}
