// Validation of application objects (POST / PATCH / upsert), with Graph's error codes and texts.
import { GUID_RE, isRecord } from '../../core/http.ts';
import type { AppRec, GraphStore } from '../../core/graphStore.ts';
import type { JsonObject } from '../../types.ts';
import { badRequest, invalidValue } from './errors.ts';

export const APP_PROPS = [
  'displayName', 'description', 'signInAudience', 'identifierUris', 'api', 'web', 'spa', 'publicClient', 'requiredResourceAccess', 'appRoles', 'tags', 'notes',
  'info', 'optionalClaims', 'groupMembershipClaims', 'isFallbackPublicClient', 'uniqueName', 'serviceManagementReference', 'tokenEncryptionKeyId', 'keyCredentials',
  'parentalControlSettings', 'isDeviceOnlyAuthSupported', 'defaultRedirectUri', 'servicePrincipalLockConfiguration',
] as const;

const AUDIENCES = ['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'];

const strArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const lc = (s: unknown): string => String(s).toLowerCase();

function checkIdentifierUris(store: GraphStore, app: JsonObject, selfId: string): void {
  const uris = app.identifierUris;
  if (!strArray(uris)) throw invalidValue('identifierUris', 'Application');
  const appId = lc(app.appId);
  const tid = store.dir.tenantId;
  for (const uri of uris) {
    const u = lc(uri).replace(/\/+$/, '');
    if (u === `api://${appId}` || u === `api://${tid}/${appId}`) continue;
    const m = /^https:\/\/([^/:?#]+)(?:[/?#].*)?$/i.exec(uri);
    const host = m ? lc(m[1]) : undefined;
    if (host === undefined || !store.verifiedDomains.some((d) => host === lc(d) || host.endsWith(`.${lc(d)}`))) {
      throw badRequest(`Values of identifierUris property must use a verified domain of the organization or its subdomain: '${uri}'`, 'HostNameNotOnVerifiedDomain');
    }
  }
  for (const other of store.apps.values()) {
    if (other.obj.id === selfId) continue;
    const theirs = new Set((other.obj.identifierUris as string[]).map(lc));
    if (uris.some((x) => theirs.has(lc(x)))) throw badRequest('Another object with the same value for property identifierUris already exists.', 'Request_MultipleObjectsWithSameKeyValue');
  }
}

function checkApi(api: unknown): void {
  if (!isRecord(api)) throw invalidValue('api', 'Application');
  const scopes = api.oauth2PermissionScopes ?? [];
  if (!Array.isArray(scopes)) throw invalidValue('oauth2PermissionScopes', 'Application');
  const ids = new Set<string>();
  const values = new Set<string>();
  for (const s of scopes) {
    if (!isRecord(s) || typeof s.id !== 'string' || !GUID_RE.test(s.id)) throw invalidValue('oauth2PermissionScopes', 'Application');
    if (typeof s.value !== 'string' || s.value === '' || /\s/.test(s.value)) throw invalidValue('oauth2PermissionScopes.value', 'Application');
    if (s.type !== undefined && s.type !== 'User' && s.type !== 'Admin') throw invalidValue('oauth2PermissionScopes.type', 'Application');
    if (ids.has(lc(s.id))) throw badRequest(`The oauth2PermissionScopes contain duplicate id '${s.id}'.`);
    if (values.has(lc(s.value))) throw badRequest(`The oauth2PermissionScopes contain duplicate value '${s.value}'.`);
    ids.add(lc(s.id));
    values.add(lc(s.value));
  }
  const v = api.requestedAccessTokenVersion;
  if (v !== undefined && v !== null && v !== 1 && v !== 2) throw invalidValue('requestedAccessTokenVersion', 'Application');
  const pre = api.preAuthorizedApplications ?? [];
  if (!Array.isArray(pre)) throw invalidValue('preAuthorizedApplications', 'Application');
  for (const p of pre) {
    if (!isRecord(p) || typeof p.appId !== 'string' || !GUID_RE.test(p.appId) || !strArray(p.delegatedPermissionIds)) throw invalidValue('preAuthorizedApplications', 'Application');
    for (const id of p.delegatedPermissionIds) {
      if (!ids.has(lc(id))) throw badRequest(`Property preAuthorizedApplications references a delegated permission '${id}' that is not defined in api.oauth2PermissionScopes.`);
    }
  }
}

function checkRra(rra: unknown): void {
  if (!Array.isArray(rra)) throw invalidValue('requiredResourceAccess', 'Application');
  for (const r of rra) {
    if (!isRecord(r) || typeof r.resourceAppId !== 'string' || !Array.isArray(r.resourceAccess)) throw invalidValue('requiredResourceAccess', 'Application');
    for (const a of r.resourceAccess) {
      if (!isRecord(a) || typeof a.id !== 'string' || !GUID_RE.test(a.id) || (a.type !== 'Scope' && a.type !== 'Role')) throw invalidValue('resourceAccess', 'Application');
    }
  }
}

/** Validate a complete (merged) application object. `before` is the stored object on PATCH. */
export function validateApp(store: GraphStore, app: JsonObject, before?: AppRec): void {
  if (typeof app.displayName !== 'string' || app.displayName.trim() === '') throw invalidValue('displayName', 'Application');
  if (typeof app.signInAudience !== 'string' || !AUDIENCES.includes(app.signInAudience)) throw invalidValue('signInAudience', 'Application');
  checkIdentifierUris(store, app, String(app.id));
  checkApi(app.api);
  checkRra(app.requiredResourceAccess);
  if (!strArray(app.tags)) throw invalidValue('tags', 'Application');
  for (const k of ['web', 'spa', 'publicClient'] as const) {
    const uris = isRecord(app[k]) ? (app[k] as JsonObject).redirectUris : [];
    if (!strArray(uris) || uris.some((u) => !/^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i.test(u))) throw invalidValue(`${k}.redirectUris`, 'Application');
  }
  if (app.uniqueName !== null) {
    if (typeof app.uniqueName !== 'string' || app.uniqueName === '') throw invalidValue('uniqueName', 'Application');
    const other = store.appByUniqueName(app.uniqueName);
    if (other && other.obj.id !== app.id) throw badRequest('Another object with the same value for property uniqueName already exists.', 'Request_MultipleObjectsWithSameKeyValue');
  }
  if (before) {
    if (before.obj.uniqueName !== null && before.obj.uniqueName !== app.uniqueName) throw badRequest('Property uniqueName is read-only once set and cannot be changed.');
    // An enabled permission must be disabled before it can be removed or renamed.
    const now = ((app.api as JsonObject).oauth2PermissionScopes ?? []) as JsonObject[];
    for (const old of ((before.obj.api as JsonObject).oauth2PermissionScopes ?? []) as JsonObject[]) {
      if (old.isEnabled === false) continue;
      const cur = now.find((s) => lc(s.id) === lc(old.id));
      if (!cur || cur.value !== old.value) throw badRequest('Permission (scope or role) cannot be deleted or updated unless disabled first.', 'CannotDeleteOrUpdateEnabledEntitlement');
    }
  }
}
