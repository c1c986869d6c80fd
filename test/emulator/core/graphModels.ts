// Graph v1.0 object shapes (as GET returns them) for applications, service principals, groups and users.
import { randomBytes } from 'node:crypto';
import { guid } from './http.ts';
import { MICROSOFT_TENANT_ID, type FirstPartyDef } from './wellKnown.ts';
import type { JsonObject, User } from '../types.ts';

export const nowIso = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Ids of appRoleAssignments and oauth2PermissionGrants are opaque base64url strings in Graph. */
export const opaqueId = (): string => randomBytes(32).toString('base64url').slice(0, 43);

const INFO = { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null };
const VERIFIED_PUBLISHER = { displayName: null, verifiedPublisherId: null, addedDateTime: null };

/** A new application object; `body` has been validated and is merged over the defaults. */
export function newApplication(body: JsonObject, publisherDomain: string): JsonObject {
  const base: JsonObject = {
    id: guid(), deletedDateTime: null, appId: guid(), applicationTemplateId: null, disabledByMicrosoftStatus: null, createdDateTime: nowIso(),
    displayName: null, description: null, groupMembershipClaims: null, identifierUris: [], isDeviceOnlyAuthSupported: null, isFallbackPublicClient: null,
    nativeAuthenticationApisEnabled: null, notes: null, publisherDomain, serviceManagementReference: null, signInAudience: 'AzureADMyOrg', tags: [],
    tokenEncryptionKeyId: null, uniqueName: null, samlMetadataUrl: null, defaultRedirectUri: null, certification: null, requestSignatureVerification: null,
    addIns: [], api: { acceptMappedClaims: null, knownClientApplications: [], requestedAccessTokenVersion: null, oauth2PermissionScopes: [], preAuthorizedApplications: [] },
    appRoles: [], info: { ...INFO }, keyCredentials: [], optionalClaims: null, parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
    passwordCredentials: [], publicClient: { redirectUris: [] }, requiredResourceAccess: [], verifiedPublisher: { ...VERIFIED_PUBLISHER },
    web: { homePageUrl: null, logoutUrl: null, redirectUris: [], implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: [] },
    servicePrincipalLockConfiguration: { isEnabled: true, allProperties: true, credentialsWithUsageVerify: true, credentialsWithUsageSign: true, identifierUris: false, tokenEncryptionKeyId: true },
    spa: { redirectUris: [] },
  };
  return mergeGraph(base, body);
}

/** PATCH semantics: complex values merge recursively, arrays and scalars replace. */
export function mergeGraph(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    const isObj = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isObj(cur) && isObj(v) ? mergeGraph(cur, v) : structuredClone(v);
  }
  return out;
}

interface SpSource {
  appId: string;
  displayName: string;
  appOwnerOrganizationId: string | null;
  servicePrincipalType: 'Application' | 'ManagedIdentity';
  servicePrincipalNames: string[];
  oauth2PermissionScopes?: unknown[];
  appRoles?: unknown[];
  signInAudience?: string;
  alternativeNames?: string[];
  id?: string;
}

export function newServicePrincipal(s: SpSource, body: JsonObject = {}): JsonObject {
  const base: JsonObject = {
    id: s.id ?? guid(), deletedDateTime: null, accountEnabled: true, alternativeNames: s.alternativeNames ?? [], appDisplayName: s.displayName, appDescription: null,
    appId: s.appId, applicationTemplateId: null, appOwnerOrganizationId: s.appOwnerOrganizationId, appRoleAssignmentRequired: false, createdDateTime: nowIso(),
    description: null, disabledByMicrosoftStatus: null, displayName: s.displayName, homepage: null, loginUrl: null, logoutUrl: null, notes: null,
    notificationEmailAddresses: [], preferredSingleSignOnMode: null, preferredTokenSigningKeyThumbprint: null, replyUrls: [], servicePrincipalNames: s.servicePrincipalNames,
    servicePrincipalType: s.servicePrincipalType, signInAudience: s.signInAudience ?? 'AzureADMyOrg', tags: [], tokenEncryptionKeyId: null, info: { ...INFO },
    samlSingleSignOnSettings: null, verifiedPublisher: { ...VERIFIED_PUBLISHER }, addIns: [], appRoles: s.appRoles ?? [], keyCredentials: [],
    oauth2PermissionScopes: s.oauth2PermissionScopes ?? [], passwordCredentials: [], resourceSpecificApplicationPermissions: [],
  };
  return mergeGraph(base, body);
}

/** The service principal of an application object in this tenant. */
export function spForApplication(app: JsonObject, tenantId: string, body: JsonObject = {}): JsonObject {
  const api = (app.api ?? {}) as JsonObject;
  const appId = app.appId as string;
  return newServicePrincipal(
    {
      appId, displayName: String(app.displayName), appOwnerOrganizationId: tenantId, servicePrincipalType: 'Application',
      servicePrincipalNames: [appId, ...((app.identifierUris as string[] | undefined) ?? [])],
      oauth2PermissionScopes: structuredClone((api.oauth2PermissionScopes as unknown[] | undefined) ?? []),
      appRoles: structuredClone((app.appRoles as unknown[] | undefined) ?? []), signInAudience: String(app.signInAudience ?? 'AzureADMyOrg'),
    },
    body,
  );
}

const permission = (p: { id: string; value: string }, kind: 'scope' | 'role', owner: string): JsonObject =>
  kind === 'scope'
    ? {
        adminConsentDescription: `Allows the app to use ${p.value} of ${owner} on behalf of the signed-in user.`, adminConsentDisplayName: p.value, id: p.id,
        isEnabled: true, type: 'User', userConsentDescription: `Allows the app to use ${p.value} on your behalf.`, userConsentDisplayName: p.value, value: p.value,
      }
    : { allowedMemberTypes: ['Application'], description: `Allows the app to use ${p.value} without a signed-in user.`, displayName: p.value, id: p.id, isEnabled: true, origin: 'Application', value: p.value };

export function firstPartySp(def: FirstPartyDef): JsonObject {
  return newServicePrincipal({
    appId: def.appId, displayName: def.displayName, appOwnerOrganizationId: MICROSOFT_TENANT_ID, servicePrincipalType: 'Application',
    servicePrincipalNames: [def.appId], signInAudience: 'AzureADMultipleOrgs',
    oauth2PermissionScopes: def.scopes.map((p) => permission(p, 'scope', def.displayName)), appRoles: def.roles.map((p) => permission(p, 'role', def.displayName)),
  });
}

export function managedIdentitySp(mi: { principalId: string; clientId: string; name: string; resourceId: string }): JsonObject {
  return newServicePrincipal({
    id: mi.principalId, appId: mi.clientId, displayName: mi.name, appOwnerOrganizationId: null, servicePrincipalType: 'ManagedIdentity',
    servicePrincipalNames: [mi.clientId, `https://identity.azure.net/${randomBytes(32).toString('base64')}`], alternativeNames: ['isExplicit=True', mi.resourceId],
  });
}

export function newGroup(body: JsonObject): JsonObject {
  const id = guid();
  const words = Buffer.from(id.replace(/-/g, ''), 'hex');
  const sid = `S-1-12-1-${[0, 4, 8, 12].map((o) => words.readUInt32LE(o)).join('-')}`;
  return mergeGraph(
    {
      id, deletedDateTime: null, classification: null, createdDateTime: nowIso(), creationOptions: [], description: null, displayName: null, expirationDateTime: null,
      groupTypes: [], isAssignableToRole: null, mail: null, mailEnabled: false, mailNickname: null, membershipRule: null, membershipRuleProcessingState: null,
      onPremisesDomainName: null, onPremisesLastSyncDateTime: null, onPremisesSamAccountName: null, onPremisesSecurityIdentifier: null, onPremisesSyncEnabled: null,
      preferredDataLocation: null, preferredLanguage: null, proxyAddresses: [], renewedDateTime: nowIso(), resourceBehaviorOptions: [], resourceProvisioningOptions: [],
      securityEnabled: true, securityIdentifier: sid, theme: null, uniqueName: null, visibility: null,
    },
    body,
  );
}

/** A user as `GET /users/{id}` returns it (default property set). */
export function userJson(u: User): JsonObject {
  return {
    businessPhones: [...u.businessPhones], displayName: u.displayName, givenName: u.givenName, jobTitle: u.jobTitle, mail: u.mail, mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation, preferredLanguage: u.preferredLanguage, surname: u.surname, userPrincipalName: u.userPrincipalName, id: u.oid,
  };
}
