// Graph tenant-level resources: directory/deletedItems, domains, organization, policies/authorizationPolicy.
import type { DeletedKind, DeletedRec } from '../../core/graphStore.ts';
import type { JsonObject } from '../../types.ts';
import { badRequest, notFound } from './errors.ts';
import { entity, type GCtx, type GraphRoutes, PERM } from './index.ts';
import { queryCollection, selectProps } from './odata.ts';

const KINDS: Record<string, DeletedKind | 'user'> = { application: 'application', serviceprincipal: 'servicePrincipal', group: 'group', user: 'user' };

const typed = (d: DeletedRec): JsonObject => ({ '@odata.type': `#microsoft.graph.${d.kind}`, ...d.rec.obj });

function findDeleted(g: GCtx): DeletedRec {
  const d = g.store.deleted.get(g.m[0]!.toLowerCase());
  if (!d) throw notFound(g.m[0]!);
  return d;
}

function domains(g: GCtx, o: { verifiedOnly?: boolean } = {}): JsonObject[] {
  const initial = g.env.dir.tenantDomain;
  const verified = g.store.verifiedDomains.map((name) => ({
    authenticationType: 'Managed', availabilityStatus: null, id: name, isAdminManaged: true, isDefault: name === initial, isInitial: name === initial, isRoot: true,
    isVerified: true, supportedServices: ['Email', 'OfficeCommunicationsOnline'], passwordValidityPeriodInDays: 2147483647, passwordNotificationWindowInDays: 14, state: null,
  }));
  if (o.verifiedOnly) return verified;
  const unverified = g.store.unverifiedDomains.map((name) => ({
    authenticationType: 'Managed', availabilityStatus: null, id: name, isAdminManaged: true, isDefault: false, isInitial: false, isRoot: true,
    isVerified: false, supportedServices: [], passwordValidityPeriodInDays: null, passwordNotificationWindowInDays: null, state: null,
  }));
  return [...verified, ...unverified];
}

export function registerDirectoryRoutes(routes: GraphRoutes): void {
  routes.on('GET', '/directory/deletedItems', undefined, () => {
    throw badRequest("The directory/deletedItems collection requires a type cast, e.g. '/directory/deletedItems/microsoft.graph.application'.", 'BadRequest');
  });
  routes.on('GET', '/directory/deletedItems/microsoft\\.graph\\.(\\w+)', undefined, (g) => {
    const kind = KINDS[g.m[0]!.toLowerCase()];
    if (!kind) throw badRequest(`Type 'microsoft.graph.${g.m[0]}' is not supported by directory/deletedItems.`, 'BadRequest');
    const items = [...g.store.deleted.values()].filter((d) => d.kind === kind).map(typed);
    const context = `${g.base}/$metadata#directory/deletedItems/microsoft.graph.${kind}`;
    g.send(200, queryCollection(g.ctx, `${g.base}/directory/deletedItems/microsoft.graph.${kind}`, context, items, { entity: kind, filterable: ['id', 'displayName', 'appId', 'deletedDateTime'] }));
  });
  routes.on('GET', '/directory/deletedItems/([^/.]+)', undefined, (g) => g.send(200, entity(g, 'directory/deletedItems/$entity', selectProps(typed(findDeleted(g)), g.ctx.query.get('$select')))));
  routes.on('DELETE', '/directory/deletedItems/([^/.]+)', PERM.app, (g) => {
    findDeleted(g);
    g.store.deleted.delete(g.m[0]!.toLowerCase());
    g.send(204);
  });
  routes.on('POST', '/directory/deletedItems/([^/.]+)/restore', PERM.app, (g) => {
    const d = findDeleted(g);
    if (d.kind === 'application') {
      const o = d.rec.obj;
      if (typeof o.uniqueName === 'string' && g.store.appByUniqueName(o.uniqueName)) throw badRequest('Another object with the same value for property uniqueName already exists.', 'Request_MultipleObjectsWithSameKeyValue');
    }
    if (d.kind === 'servicePrincipal' && g.store.spByAppId(String(d.rec.obj.appId))) {
      throw badRequest(`The service principal cannot be created, updated, or restored because the service principal name ${String(d.rec.obj.appId)} is already in use.`, 'Request_MultipleObjectsWithSameKeyValue');
    }
    const restored = g.store.restore(d.rec.obj.id as string)!;
    g.send(200, entity(g, 'directoryObjects/$entity', typed(restored)));
  });

  routes.on('GET', '/domains', undefined, (g) => g.send(200, queryCollection(g.ctx, `${g.base}/domains`, `${g.base}/$metadata#domains`, domains(g), { entity: 'domain', filterable: ['id', 'isVerified', 'isDefault'] })));
  routes.on('GET', '/organization', undefined, (g) => {
    const dir = g.env.dir;
    const org = {
      id: dir.tenantId, deletedDateTime: null, businessPhones: [], city: null, country: null, countryLetterCode: 'US', createdDateTime: '2024-01-01T00:00:00Z',
      defaultUsageLocation: null, displayName: 'MCP OBO Emulator', marketingNotificationEmails: [], onPremisesLastSyncDateTime: null, onPremisesSyncEnabled: null,
      partnerTenantType: null, postalCode: null, preferredLanguage: 'en', securityComplianceNotificationMails: [], securityComplianceNotificationPhones: [], state: null,
      street: null, technicalNotificationMails: [], tenantType: 'AAD', directorySizeQuota: { used: 0, total: 50000 }, privacyProfile: null, provisionedPlans: [],
      // Entra ID P1 shows as service AADPremiumService, plan AAD_PREMIUM (41781fb2-...); a free tenant has none.
      assignedPlans: g.store.premium ? [{ assignedDateTime: '2024-01-01T00:00:00Z', capabilityStatus: 'Enabled', service: 'AADPremiumService', servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d' }] : [],
      verifiedDomains: domains(g, { verifiedOnly: true }).map((d) => ({ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: d.isDefault, isInitial: d.isInitial, name: d.id, type: 'Managed' })),
    };
    g.send(200, queryCollection(g.ctx, `${g.base}/organization`, `${g.base}/$metadata#organization`, [org], { entity: 'organization' }));
  });
  routes.on('GET', '/policies/authorizationPolicy', undefined, (g) => {
    g.send(200, entity(g, 'policies/authorizationPolicy/$entity', {
      id: 'authorizationPolicy', allowInvitesFrom: 'everyone', allowedToSignUpEmailBasedSubscriptions: true, allowedToUseSSPR: true, allowEmailVerifiedUsersToJoinOrganization: false,
      allowUserConsentForRiskyApps: null, blockMsolPowerShell: false, description: 'Used to manage authorization related settings across the company.',
      displayName: 'Authorization Policy', enabledPreviewFeatures: [], guestUserRoleId: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
      permissionGrantPolicyIdsAssignedToDefaultUserRole: ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'],
      defaultUserRolePermissions: {
        allowedToCreateApps: g.store.allowedToCreateApps, allowedToCreateSecurityGroups: g.store.allowedToCreateSecurityGroups, allowedToCreateTenants: true, allowedToReadBitlockerKeysForOwnedDevice: true,
        allowedToReadOtherUsers: true,
      },
    }));
  });
}
