// Graph oauth2PermissionGrants (delegated admin consent); the token endpoint decides AADSTS65001 from them.
import { GUID_RE } from '../../core/http.ts';
import { opaqueId } from '../../core/graphModels.ts';
import type { Rec } from '../../core/graphStore.ts';
import type { JsonObject } from '../../types.ts';
import { requireConsentAdmin } from './authz.ts';
import { badRequest, GraphError, invalidValue, notFound } from './errors.ts';
import { checkProps, entity, type GCtx, type GraphRoutes, PERM } from './index.ts';
import { queryCollection, selectProps } from './odata.ts';

const PROPS = ['clientId', 'consentType', 'resourceId', 'scope', 'principalId'];

function sp(g: GCtx, id: unknown, prop: string): Rec {
  if (typeof id !== 'string' || !GUID_RE.test(id)) throw invalidValue(prop, 'OAuth2PermissionGrant');
  const rec = g.store.sps.get(id.toLowerCase());
  if (!rec || !g.store.visible(rec)) throw notFound(id);
  return rec;
}

/** Space-separated scope values; each must be a delegated permission the resource publishes. */
function checkScope(resource: Rec, scope: unknown): string {
  if (typeof scope !== 'string') throw invalidValue('scope', 'OAuth2PermissionGrant');
  const published = ((resource.obj.oauth2PermissionScopes ?? []) as JsonObject[]).map((s) => String(s.value));
  const values = scope.split(' ').filter(Boolean);
  for (const v of values) {
    const known = published.find((p) => p.toLowerCase() === v.toLowerCase());
    if (!known) throw badRequest(`Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': the permission '${v}' is not published by '${String(resource.obj.displayName)}' (${String(resource.obj.appId)}).`);
  }
  return values.join(' ');
}

function findGrant(g: GCtx): JsonObject {
  const grant = g.store.grants.get(g.m[0]!);
  if (!grant) throw notFound(g.m[0]!);
  return grant;
}

export function registerGrants(routes: GraphRoutes): void {
  routes.on('POST', '/oauth2PermissionGrants', PERM.grant, (g) => {
    requireConsentAdmin(g);
    const body = g.body();
    checkProps(body, PROPS, 'oAuth2PermissionGrant');
    const client = sp(g, body.clientId, 'clientId');
    const resource = sp(g, body.resourceId, 'resourceId');
    if (body.consentType !== 'AllPrincipals' && body.consentType !== 'Principal') throw invalidValue('consentType', 'OAuth2PermissionGrant');
    let principalId: string | null = null;
    if (body.consentType === 'Principal') {
      if (typeof body.principalId !== 'string' || !g.env.dir.getUser(body.principalId)) throw invalidValue('principalId', 'OAuth2PermissionGrant');
      principalId = body.principalId.toLowerCase();
    } else if (body.principalId !== undefined && body.principalId !== null) throw invalidValue('principalId', 'OAuth2PermissionGrant');
    const scope = checkScope(resource, body.scope);
    const dup = [...g.store.grants.values()].some((x) => x.clientId === client.obj.id && x.resourceId === resource.obj.id && x.consentType === body.consentType && x.principalId === principalId);
    if (dup) throw new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', 'Permission entry already exists.');
    const grant: JsonObject = { clientId: client.obj.id, consentType: body.consentType, id: opaqueId(), principalId, resourceId: resource.obj.id, scope };
    g.store.grants.set(String(grant.id), grant);
    g.send(201, entity(g, 'oauth2PermissionGrants/$entity', grant));
  });
  routes.on('GET', '/oauth2PermissionGrants', undefined, (g) => {
    g.send(200, queryCollection(g.ctx, `${g.base}/oauth2PermissionGrants`, `${g.base}/$metadata#oauth2PermissionGrants`, [...g.store.grants.values()], {
      entity: 'oAuth2PermissionGrant', filterable: ['id', 'clientId', 'consentType', 'resourceId', 'principalId'],
    }));
  });
  routes.on('GET', '/oauth2PermissionGrants/([^/]+)', undefined, (g) => g.send(200, entity(g, 'oauth2PermissionGrants/$entity', selectProps(findGrant(g), g.ctx.query.get('$select')))));
  routes.on('PATCH', '/oauth2PermissionGrants/([^/]+)', PERM.grant, (g) => {
    requireConsentAdmin(g);
    const grant = findGrant(g);
    const body = g.body();
    checkProps(body, ['scope'], 'oAuth2PermissionGrant');
    const resource = g.store.sps.get(String(grant.resourceId));
    if (!resource) throw notFound(String(grant.resourceId));
    grant.scope = checkScope(resource, body.scope);
    g.send(204);
  });
  routes.on('DELETE', '/oauth2PermissionGrants/([^/]+)', PERM.grant, (g) => {
    requireConsentAdmin(g);
    findGrant(g);
    g.store.grants.delete(g.m[0]!);
    g.send(204);
  });
}
