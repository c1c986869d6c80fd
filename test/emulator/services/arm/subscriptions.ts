// Subscriptions, tenants, locations and resource providers (get, list, register, unregister).
import type { JsonObject } from '../../types.ts';
import { canonicalNamespace, PROVIDERS, providerResourceTypes, REGIONS } from './catalog.ts';
import { armError } from './errors.ts';
import { type ACtx, type ArmRoutes, SUB } from './index.ts';

/** Registration takes this long unless a latency is set for `Microsoft.Resources/providers`. */
const REGISTRATION_MS = 30;

function subscription(a: ACtx): JsonObject {
  return {
    id: `/subscriptions/${a.sub}`, authorizationSource: 'RoleBased', managedByTenants: [], subscriptionId: a.sub, tenantId: a.env.dir.tenantId,
    displayName: 'MCP OBO Emulator Subscription', state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

function location(a: ACtx, r: (typeof REGIONS)[number]): JsonObject {
  return {
    id: `/subscriptions/${a.sub}/locations/${r.name}`, name: r.name, type: 'Region', displayName: r.displayName, regionalDisplayName: `(${r.geographyGroup}) ${r.displayName}`,
    metadata: {
      regionType: 'Physical', regionCategory: 'Recommended', geography: r.geographyGroup, geographyGroup: r.geographyGroup, longitude: r.longitude, latitude: r.latitude,
      physicalLocation: r.physicalLocation, pairedRegion: [{ name: r.paired, id: `/subscriptions/${a.sub}/locations/${r.paired}` }],
    },
  };
}

function provider(a: ACtx, ns: string): JsonObject {
  return {
    id: `/subscriptions/${a.sub}/providers/${ns}`, namespace: ns, authorizations: [], resourceTypes: providerResourceTypes(ns),
    registrationState: a.inv.registrationState(ns), registrationPolicy: 'RegistrationRequired',
  };
}

function namespaceOf(a: ACtx): string {
  const ns = canonicalNamespace(a.m[0]!);
  if (!ns) throw armError(404, 'InvalidResourceNamespace', `The resource namespace '${a.m[0]}' is invalid.`);
  return ns;
}

function transition(a: ACtx, to: 'Registered' | 'NotRegistered'): void {
  const ns = namespaceOf(a);
  a.authorize(`${ns}/${to === 'Registered' ? 'register' : 'unregister'}/action`, `/subscriptions/${a.sub}`, 'Microsoft.Resources/providers');
  const cur = a.inv.registrationState(ns);
  if (cur !== to) {
    const ms = a.env.timing.latency('Microsoft.Resources/providers') || REGISTRATION_MS;
    a.inv.setRegistration(ns, to === 'Registered' ? 'Registering' : 'Unregistering', Date.now() + ms);
  }
  a.send(200, provider(a, ns));
}

export function registerSubscriptions(routes: ArmRoutes): void {
  routes.on('GET', '/subscriptions', 'subscriptions', (a) => a.send(200, { value: [subscription(a)], count: { type: 'Total', value: 1 } }));
  routes.on('GET', SUB, 'subscriptions', (a) => a.send(200, subscription(a)));
  routes.on('GET', `${SUB}/locations`, 'locations', (a) => a.send(200, { value: REGIONS.map((r) => location(a, r)) }));
  routes.on('GET', '/tenants', 'tenants', (a) => {
    const dir = a.env.dir;
    a.send(200, {
      value: [{
        id: `/tenants/${dir.tenantId}`, tenantId: dir.tenantId, countryCode: 'US', displayName: 'MCP OBO Emulator', domains: [dir.tenantDomain],
        tenantCategory: 'Home', defaultDomain: dir.tenantDomain, tenantType: 'AAD', tenantBrandingLogoUrl: null,
      }],
    });
  });
  routes.on('GET', `${SUB}/providers`, 'providers', (a) => a.send(200, { value: Object.keys(PROVIDERS).map((ns) => provider(a, ns)) }));
  routes.on('GET', `${SUB}/providers/([^/]+)`, 'providers', (a) => a.send(200, provider(a, namespaceOf(a))));
  routes.on('POST', `${SUB}/providers/([^/]+)/register`, 'providers', (a) => transition(a, 'Registered'));
  routes.on('POST', `${SUB}/providers/([^/]+)/unregister`, 'providers', (a) => transition(a, 'NotRegistered'));
}
