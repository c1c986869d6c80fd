// Static ARM catalogue: regions, resource providers and built-in role definitions.

export interface Region {
  name: string;
  displayName: string;
  geographyGroup: string;
  physicalLocation: string;
  latitude: string;
  longitude: string;
  paired: string;
}

const r = (name: string, displayName: string, geographyGroup: string, physicalLocation: string, latitude: string, longitude: string, paired: string): Region => ({
  name, displayName, geographyGroup, physicalLocation, latitude, longitude, paired,
});

export const REGIONS: Region[] = [
  r('eastus', 'East US', 'US', 'Virginia', '37.3719', '-79.8164', 'westus'),
  r('eastus2', 'East US 2', 'US', 'Virginia', '36.6681', '-78.3889', 'centralus'),
  r('westus', 'West US', 'US', 'California', '37.783', '-122.417', 'eastus'),
  r('westus2', 'West US 2', 'US', 'Washington', '47.233', '-119.852', 'westcentralus'),
  r('westus3', 'West US 3', 'US', 'Phoenix', '33.448376', '-112.074036', 'eastus'),
  r('centralus', 'Central US', 'US', 'Iowa', '41.5908', '-93.6208', 'eastus2'),
  r('northeurope', 'North Europe', 'Europe', 'Ireland', '53.3478', '-6.2597', 'westeurope'),
  r('westeurope', 'West Europe', 'Europe', 'Netherlands', '52.3667', '4.9', 'northeurope'),
  r('swedencentral', 'Sweden Central', 'Europe', 'Gävle', '60.67488', '17.14127', 'swedensouth'),
  r('uksouth', 'UK South', 'Europe', 'London', '50.941', '-0.799', 'ukwest'),
  r('francecentral', 'France Central', 'Europe', 'Paris', '46.3772', '2.3730', 'francesouth'),
  r('germanywestcentral', 'Germany West Central', 'Europe', 'Frankfurt', '50.110924', '8.682127', 'germanynorth'),
  r('australiaeast', 'Australia East', 'Asia Pacific', 'New South Wales', '-33.86', '151.2094', 'australiasoutheast'),
  r('japaneast', 'Japan East', 'Asia Pacific', 'Tokyo, Saitama', '35.68', '139.77', 'japanwest'),
  r('southeastasia', 'Southeast Asia', 'Asia Pacific', 'Singapore', '1.283', '103.833', 'eastasia'),
  r('canadacentral', 'Canada Central', 'Canada', 'Toronto', '43.653', '-79.383', 'canadaeast'),
  r('brazilsouth', 'Brazil South', 'South America', 'Sao Paulo State', '-23.55', '-46.633', 'southcentralus'),
  r('jioindiacentral', 'Jio India Central', 'Asia Pacific', 'Nagpur', '21.146633', '79.08886', 'jioindiawest'),
];

/** Regions where Microsoft.App (Container Apps) is not offered. */
export const NO_CONTAINER_APPS = new Set(['jioindiacentral']);

/** The region name for a name or display name ('East US', 'eastus', 'EASTUS'), or undefined. */
export function regionOf(input: unknown): Region | undefined {
  if (typeof input !== 'string') return undefined;
  const k = input.replace(/\s+/g, '').toLowerCase();
  return REGIONS.find((x) => x.name === k);
}

interface TypeDef {
  resourceType: string;
  apiVersions: string[];
  containerAppsOnly?: boolean;
  global?: boolean;
}

export const PROVIDERS: Record<string, TypeDef[]> = {
  'Microsoft.App': [
    { resourceType: 'managedEnvironments', apiVersions: ['2026-07-01', '2025-07-01', '2025-01-01', '2024-03-01'], containerAppsOnly: true },
    { resourceType: 'containerApps', apiVersions: ['2026-07-01', '2025-07-01', '2025-01-01', '2024-03-01'], containerAppsOnly: true },
    { resourceType: 'locations', apiVersions: ['2026-07-01', '2025-07-01'], global: true },
    { resourceType: 'operations', apiVersions: ['2026-07-01', '2025-07-01'], global: true },
  ],
  'Microsoft.OperationalInsights': [
    { resourceType: 'workspaces', apiVersions: ['2025-07-01', '2023-09-01', '2022-10-01', '2020-08-01'] },
    { resourceType: 'operations', apiVersions: ['2025-07-01', '2022-10-01'], global: true },
  ],
  'Microsoft.ContainerRegistry': [
    { resourceType: 'registries', apiVersions: ['2025-11-01', '2025-04-01', '2023-07-01', '2019-06-01-preview'] },
    { resourceType: 'checkNameAvailability', apiVersions: ['2025-11-01', '2023-07-01'], global: true },
  ],
  'Microsoft.ManagedIdentity': [
    { resourceType: 'userAssignedIdentities', apiVersions: ['2024-11-30', '2023-01-31', '2018-11-30'] },
    { resourceType: 'operations', apiVersions: ['2024-11-30'], global: true },
  ],
  'Microsoft.Authorization': [
    { resourceType: 'roleAssignments', apiVersions: ['2022-04-01', '2020-10-01'], global: true },
    { resourceType: 'roleDefinitions', apiVersions: ['2022-04-01', '2018-01-01-preview'], global: true },
  ],
  'Microsoft.Network': [
    { resourceType: 'dnszones', apiVersions: ['2023-07-01-preview', '2018-05-01', '2017-10-01'], global: true },
    { resourceType: 'dnszones/CNAME', apiVersions: ['2023-07-01-preview', '2018-05-01'], global: true },
    { resourceType: 'dnszones/TXT', apiVersions: ['2023-07-01-preview', '2018-05-01'], global: true },
  ],
  'Microsoft.Resources': [
    { resourceType: 'resourceGroups', apiVersions: ['2025-04-01', '2024-11-01', '2022-09-01'] },
    { resourceType: 'subscriptions', apiVersions: ['2022-12-01'], global: true },
  ],
};

/** Namespaces that are always registered (ARM's own and authorization). */
export const ALWAYS_REGISTERED = new Set(['microsoft.resources', 'microsoft.authorization']);

export function canonicalNamespace(ns: string): string | undefined {
  return Object.keys(PROVIDERS).find((k) => k.toLowerCase() === ns.toLowerCase());
}

/** Region names a resource type may be created in. */
export function regionsFor(type: string): string[] {
  const [ns, rt] = type.split('/');
  const def = PROVIDERS[canonicalNamespace(ns ?? '') ?? '']?.find((t) => t.resourceType.toLowerCase() === (rt ?? '').toLowerCase());
  return REGIONS.filter((x) => !(def?.containerAppsOnly && NO_CONTAINER_APPS.has(x.name))).map((x) => x.name);
}

export function providerResourceTypes(ns: string): Array<Record<string, unknown>> {
  return (PROVIDERS[ns] ?? []).map((t) => ({
    resourceType: t.resourceType,
    locations: t.global ? [] : REGIONS.filter((x) => !(t.containerAppsOnly && NO_CONTAINER_APPS.has(x.name))).map((x) => x.displayName),
    apiVersions: t.apiVersions, defaultApiVersion: t.apiVersions[0], capabilities: t.global ? 'None' : 'SupportsTags, SupportsLocation',
  }));
}

export interface RoleDef {
  id: string;
  roleName: string;
  description: string;
  actions: string[];
  notActions?: string[];
  dataActions?: string[];
}

export const ROLE_DEFINITIONS: RoleDef[] = [
  { id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', roleName: 'Owner', description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', actions: ['*'] },
  {
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c', roleName: 'Contributor', description: 'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    // NotActions as in learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged#contributor (subset).
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action', 'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete', 'Microsoft.Compute/galleries/share/action',
    ],
  },
  { id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', roleName: 'Reader', description: 'View all resources, but does not allow you to make any changes.', actions: ['*/read'] },
  { id: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', roleName: 'User Access Administrator', description: 'Lets you manage user access to Azure resources.', actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'] },
  {
    id: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168', roleName: 'Role Based Access Control Administrator', description: 'Manage access to Azure resources by assigning roles using Azure RBAC.',
    actions: ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*'],
  },
  { id: '7f951dda-4ed3-4680-a7ca-43fe172d538d', roleName: 'AcrPull', description: 'acr pull', actions: ['Microsoft.ContainerRegistry/registries/pull/read'] },
  { id: '8311e382-0749-4cb8-b61a-304f252e45ec', roleName: 'AcrPush', description: 'acr push', actions: ['Microsoft.ContainerRegistry/registries/pull/read', 'Microsoft.ContainerRegistry/registries/push/write'] },
  // The ABAC-enabled repository roles (the only data-plane roles an ABAC-mode registry honours), ids as in
  // learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers.
  {
    id: 'b93aa761-3e63-49ed-ac28-beffa264f7ac', roleName: 'Container Registry Repository Reader', description: 'Read images, tags and metadata in repositories.', actions: [],
    dataActions: ['Microsoft.ContainerRegistry/registries/repositories/content/read', 'Microsoft.ContainerRegistry/registries/repositories/metadata/read'],
  },
  {
    id: '2a1e307c-b015-4ebd-883e-5b7698a07328', roleName: 'Container Registry Repository Writer', description: 'Read, write and update images, tags and metadata in repositories.', actions: [],
    dataActions: [
      'Microsoft.ContainerRegistry/registries/repositories/content/read', 'Microsoft.ContainerRegistry/registries/repositories/content/write',
      'Microsoft.ContainerRegistry/registries/repositories/metadata/read', 'Microsoft.ContainerRegistry/registries/repositories/metadata/write',
    ],
  },
];
