// Graph servicePrincipals, their appRoleAssignedTo (who is assigned to the app) and appRoleAssignments (what they hold).
import { GUID_RE } from '../../core/http.ts';
import { firstPartySp, mergeGraph, nowIso, opaqueId, spForApplication } from '../../core/graphModels.ts';
import type { Rec } from '../../core/graphStore.ts';
import { DEFAULT_APP_ROLE_ID, FIRST_PARTY } from '../../core/wellKnown.ts';
import type { JsonObject } from '../../types.ts';
import { requireAssign, requireManage } from './authz.ts';
import { badRequest, GraphError, invalidValue, notFound } from './errors.ts';
import { checkProps, entity, type GCtx, type GraphRoutes, KEY, PERM } from './index.ts';
import { queryCollection, selectProps } from './odata.ts';

const FILTERABLE = ['id', 'appId', 'displayName', 'servicePrincipalType', 'tags', 'servicePrincipalNames', 'appOwnerOrganizationId', 'accountEnabled', 'appRoleAssignmentRequired'];
const UPDATABLE = ['appRoleAssignmentRequired', 'tags', 'accountEnabled', 'notes', 'description', 'preferredSingleSignOnMode', 'notificationEmailAddresses', 'loginUrl', 'homepage', 'replyUrls'];
const notValidReference = (): GraphError => badRequest('Not a valid reference update.');

/** The service principal named by a KEY match; `raw` skips the propagation check. */
function findSp(g: GCtx, opts: { raw?: boolean } = {}): Rec {
  const [id, prop, raw] = [g.m[0], g.m[1], g.m[2]];
  const value = (raw ?? '').replace(/''/g, "'");
  let rec: Rec | undefined;
  if (id) rec = g.store.sps.get(id.toLowerCase());
  else if (prop?.toLowerCase() === 'appid') rec = g.store.spByAppId(value);
  else throw badRequest(`The key property '${prop}' is not supported for servicePrincipals.`, 'BadRequest');
  if (!rec || (!opts.raw && !g.store.visible(rec))) throw notFound(id || value);
  return rec;
}

function checkValues(body: JsonObject): void {
  if (body.appRoleAssignmentRequired !== undefined && typeof body.appRoleAssignmentRequired !== 'boolean') throw invalidValue('appRoleAssignmentRequired', 'ServicePrincipal');
  if (body.accountEnabled !== undefined && typeof body.accountEnabled !== 'boolean') throw invalidValue('accountEnabled', 'ServicePrincipal');
  if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string'))) throw invalidValue('tags', 'ServicePrincipal');
}

function create(g: GCtx, body: JsonObject): JsonObject {
  checkProps(body, ['appId', ...UPDATABLE], 'servicePrincipal');
  const appId = body.appId;
  if (typeof appId !== 'string' || !GUID_RE.test(appId)) throw invalidValue('appId', 'ServicePrincipal');
  checkValues(body);
  if (g.store.spByAppId(appId)) {
    throw new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`);
  }
  const { appId: _a, ...rest } = body;
  const app = g.store.appByAppId(appId);
  const firstParty = Object.values(FIRST_PARTY).find((d) => d.appId === appId.toLowerCase());
  let obj: JsonObject;
  if (app && g.store.visible(app)) {
    requireManage(g, app, 'application');
    obj = spForApplication(app.obj, g.env.dir.tenantId, rest);
  } else if (firstParty) {
    requireManage(g, undefined, 'servicePrincipal');
    obj = mergeGraph(firstPartySp(firstParty), rest);
  } else throw badRequest(`The appId '${appId}' of the service principal does not reference a valid application object.`);
  const rec = g.store.addSp(obj, g.store.newVisibleAt());
  rec.owners = [g.caller.oid];
  return rec.obj;
}

/** Create an appRoleAssignment of `principalId` on the resource service principal. */
function assign(g: GCtx, resource: Rec, body: JsonObject): JsonObject {
  checkProps(body, ['principalId', 'resourceId', 'appRoleId'], 'appRoleAssignment');
  const { principalId, resourceId, appRoleId } = body;
  if (typeof principalId !== 'string' || !GUID_RE.test(principalId)) throw invalidValue('principalId', 'AppRoleAssignment');
  if (typeof appRoleId !== 'string' || !GUID_RE.test(appRoleId)) throw invalidValue('appRoleId', 'AppRoleAssignment');
  if (typeof resourceId !== 'string' || resourceId.toLowerCase() !== resource.obj.id) throw invalidValue('resourceId', 'AppRoleAssignment');
  if (!g.store.visible(resource)) throw notValidReference();
  const principal = g.store.principal(principalId);
  if (!principal) throw notValidReference();
  // Group-based assignment is an Entra ID P1/P2 feature (MicrosoftDocs/azure-docs#83577: "Groups are not available
  // for assignment due to your Active Directory plan level"). Graph's refusal of premium-only operations, as
  // quoted in aztfmod/terraform-azurerm-caf#1026; the exact text for this API is not documented.
  if (principal.type === 'Group' && !g.store.premium) throw new GraphError(403, 'Authorization_RequestDenied', 'Only companies who have purchased AAD Premium may perform this operation.');
  const roles = resource.obj.appRoles as JsonObject[];
  if (appRoleId !== DEFAULT_APP_ROLE_ID && !roles.some((r) => r.id === appRoleId.toLowerCase())) {
    throw badRequest(`Permission being assigned was not found on application '${String(resource.obj.appId)}'.`);
  }
  const pid = principalId.toLowerCase();
  if (g.store.assignments.some((a) => a.principalId === pid && a.resourceId === resource.obj.id && a.appRoleId === appRoleId.toLowerCase())) {
    throw badRequest('Permission being assigned already exists on the object');
  }
  const a: JsonObject = {
    id: opaqueId(), deletedDateTime: null, appRoleId: appRoleId.toLowerCase(), createdDateTime: nowIso(), principalDisplayName: principal.displayName,
    principalId: pid, principalType: principal.type, resourceDisplayName: resource.obj.displayName, resourceId: resource.obj.id,
  };
  g.store.assignments.push(a);
  return a;
}

function unassign(g: GCtx, match: (a: JsonObject) => boolean): void {
  const i = g.store.assignments.findIndex(match);
  if (i === -1) throw notFound(g.m[3]!);
  g.store.assignments.splice(i, 1);
}

export function registerServicePrincipals(routes: GraphRoutes): void {
  const one = `/servicePrincipals${KEY}`;
  routes.on('POST', '/servicePrincipals', PERM.app, (g) => g.send(201, entity(g, 'servicePrincipals/$entity', create(g, g.body()))));
  routes.on('GET', '/servicePrincipals', undefined, (g) => {
    const items = [...g.store.sps.values()].map((r) => r.obj);
    g.send(200, queryCollection(g.ctx, `${g.base}/servicePrincipals`, `${g.base}/$metadata#servicePrincipals`, items, { entity: 'servicePrincipal', filterable: FILTERABLE }));
  });
  routes.on('GET', one, undefined, (g) => g.send(200, entity(g, 'servicePrincipals/$entity', selectProps(findSp(g).obj, g.ctx.query.get('$select')))));
  routes.on('PATCH', one, PERM.app, (g) => {
    const rec = findSp(g);
    requireManage(g, rec, 'servicePrincipal');
    const body = g.body();
    checkProps(body, UPDATABLE, 'servicePrincipal');
    checkValues(body);
    rec.obj = mergeGraph(rec.obj, body);
    g.send(204);
  });
  routes.on('DELETE', one, PERM.app, (g) => {
    const rec = findSp(g);
    requireManage(g, rec, 'servicePrincipal');
    if (rec.obj.servicePrincipalType === 'ManagedIdentity') throw badRequest('The service principal of a managed identity is deleted with the managed identity resource.');
    g.store.remove('servicePrincipal', String(rec.obj.id));
    g.send(204);
  });

  const assignedTo = `${one}/appRoleAssignedTo`;
  routes.on('GET', assignedTo, undefined, (g) => {
    const sp = findSp(g);
    const items = g.store.assignments.filter((a) => a.resourceId === sp.obj.id);
    g.send(200, queryCollection(g.ctx, `${g.base}${assignedTo}`, `${g.base}/$metadata#servicePrincipals('${String(sp.obj.id)}')/appRoleAssignedTo`, items, { entity: 'appRoleAssignment', filterable: ['principalId', 'principalType', 'appRoleId'] }));
  });
  routes.on('POST', assignedTo, PERM.assign, (g) => {
    const sp = findSp(g, { raw: true });
    requireAssign(g, sp);
    g.send(201, entity(g, `servicePrincipals('${String(sp.obj.id)}')/appRoleAssignedTo/$entity`, assign(g, sp, g.body())));
  });
  routes.on('DELETE', `${assignedTo}/([^/]+)`, PERM.assign, (g) => {
    const sp = findSp(g);
    requireAssign(g, sp);
    unassign(g, (a) => a.id === g.m[3] && a.resourceId === sp.obj.id);
    g.send(204);
  });

  const assignments = `${one}/appRoleAssignments`;
  routes.on('GET', assignments, undefined, (g) => {
    const sp = findSp(g);
    const items = g.store.assignments.filter((a) => a.principalId === sp.obj.id);
    g.send(200, queryCollection(g.ctx, `${g.base}${assignments}`, `${g.base}/$metadata#servicePrincipals('${String(sp.obj.id)}')/appRoleAssignments`, items, { entity: 'appRoleAssignment', filterable: ['resourceId', 'appRoleId'] }));
  });
  routes.on('POST', assignments, PERM.assign, (g) => {
    const sp = findSp(g, { raw: true });
    const body = g.body();
    if (String(body.principalId).toLowerCase() !== sp.obj.id) throw invalidValue('principalId', 'AppRoleAssignment');
    const resource = g.store.sps.get(String(body.resourceId).toLowerCase());
    if (!resource) throw notValidReference();
    g.send(201, entity(g, `servicePrincipals('${String(sp.obj.id)}')/appRoleAssignments/$entity`, assign(g, resource, body)));
  });
  routes.on('DELETE', `${assignments}/([^/]+)`, PERM.assign, (g) => {
    const sp = findSp(g);
    unassign(g, (a) => a.id === g.m[3] && a.principalId === sp.obj.id);
    g.send(204);
  });
}
