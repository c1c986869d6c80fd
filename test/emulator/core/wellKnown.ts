// First-party service principals of the emulated tenant (ids as in every Entra tenant).

export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
export const ARM_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
export const DEFAULT_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export interface PermissionDef {
  id: string;
  value: string;
}

export interface FirstPartyDef {
  appId: string;
  displayName: string;
  scopes: PermissionDef[];
  roles: PermissionDef[];
}

/** Delegated permissions of Microsoft Graph (a subset, real ids). */
export const GRAPH_SCOPES: PermissionDef[] = [
  { id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', value: 'User.Read' },
  { id: '37f7f235-527c-4136-accd-4a02d197296e', value: 'openid' },
  { id: '14dad69e-099b-42c9-810b-d002981feec1', value: 'profile' },
  { id: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', value: 'email' },
  { id: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', value: 'offline_access' },
  { id: 'b340eb25-3456-403f-be2f-af7a0d370277', value: 'User.ReadBasic.All' },
  { id: 'a154be20-db9c-4678-8ab7-66f6cc099a59', value: 'User.Read.All' },
  { id: '06da0dbc-49e2-44d2-8312-53f166ab848a', value: 'Directory.Read.All' },
  { id: '0e263e50-5827-48a4-b97c-d940288653c7', value: 'Directory.AccessAsUser.All' },
  { id: '570282fd-fa5c-430d-a7fd-fc8dc98a9dca', value: 'Mail.Read' },
  // What the tool packs use (ids as Graph's service principal publishes them; learn.microsoft.com/graph/permissions-reference).
  { id: 'e383f46e-2787-4529-855e-0e479a3ffac0', value: 'Mail.Send' },
  { id: '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42', value: 'Calendars.Read' },
  { id: '662d75ba-a364-42ad-adee-f5f880ea4878', value: 'Calendars.ReadBasic' },
  { id: 'df85f4d6-205c-4ac5-a5ea-6bf408dba283', value: 'Files.Read.All' },
  { id: '205e70e5-aba6-4c52-a976-6d2d46c48043', value: 'Sites.Read.All' },
  { id: '89fe6a52-be36-487e-b7d8-d061c450a026', value: 'Sites.ReadWrite.All' },
  { id: 'bdfbf15f-ee85-4955-8675-146e8e5296b5', value: 'Application.ReadWrite.All' },
  { id: '4e46008b-f24c-477d-8fff-7bb4ec7aafe0', value: 'Group.ReadWrite.All' },
  { id: '41ce6ca6-6826-4807-84f1-1c82854f7ee5', value: 'DelegatedPermissionGrant.ReadWrite.All' },
  { id: '84bccea3-f856-4a8a-967b-dbe0a3d53a64', value: 'AppRoleAssignment.ReadWrite.All' },
];

/** Application permissions (app roles) of Microsoft Graph (a subset, real ids). */
export const GRAPH_ROLES: PermissionDef[] = [
  { id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', value: 'Application.ReadWrite.All' },
  { id: '18a4783c-866b-4cc7-a460-3d5e5662c884', value: 'Application.ReadWrite.OwnedBy' },
  { id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', value: 'Application.Read.All' },
  { id: '62a82d76-70ea-41e2-9197-370581804d09', value: 'Group.ReadWrite.All' },
  { id: '8e8e4742-1d95-4f68-9d56-6ee75648c72a', value: 'DelegatedPermissionGrant.ReadWrite.All' },
  { id: '06b708a9-e830-4db3-a914-8e69da51d44f', value: 'AppRoleAssignment.ReadWrite.All' },
  { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', value: 'Directory.Read.All' },
  { id: '19dbc75e-c2e2-444c-a770-ec69d8559fc7', value: 'Directory.ReadWrite.All' },
  { id: 'df021288-bdef-4463-88db-98f22de89214', value: 'User.Read.All' },
  { id: 'bf7b1a76-6e77-406b-b258-bf5c7720e98f', value: 'Group.Create' },
  { id: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695', value: 'GroupMember.ReadWrite.All' },
  { id: '98830695-27a2-44f7-8c18-0c3ebc9698f6', value: 'GroupMember.Read.All' },
  { id: '5b567255-7703-4780-807c-7be8301ae99b', value: 'Group.Read.All' },
  { id: 'dbb9058a-0e50-45d7-ae91-66909b5d4664', value: 'Domain.Read.All' },
  { id: '498476ce-e0fe-48b0-b801-37ba7e2685c6', value: 'Organization.Read.All' },
];

/**
 * Built-in Microsoft Entra roles by name, with their template ids (the same in every tenant;
 * learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
 */
export const DIRECTORY_ROLES: Record<string, string> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Application Developer': 'cf1c38e5-3621-4004-a7cb-879624dced7c',
  'Groups Administrator': 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Directory Writers': '9360feb5-f418-4baa-8175-e2a00bac4301',
};

/** Graph app roles the deployer holds by default. */
export const DEPLOYER_GRAPH_ROLES = ['Application.ReadWrite.All', 'Group.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'];

export const FIRST_PARTY: Record<'graph' | 'devops' | 'arm', FirstPartyDef> = {
  graph: { appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph', scopes: GRAPH_SCOPES, roles: GRAPH_ROLES },
  devops: {
    appId: '499b84ac-1321-427f-aa17-267ca6975798', displayName: 'Azure DevOps',
    scopes: [
      { id: 'ee69721e-6c3a-468f-a9ec-302d16a4c599', value: 'user_impersonation' },
      { id: '4ee63f9b-9e65-476c-a487-9fea1e00c7ef', value: 'vso.profile' },
      // As the Azure DevOps service principal publishes them (GET /servicePrincipals(appId='499b84ac-…')/oauth2PermissionScopes;
      // names and meanings: learn.microsoft.com/azure/devops/integrate/get-started/authentication/oauth#scopes).
      { id: '3214d9aa-5551-4ef3-a866-22914177e2a4', value: 'vso.work' },
      { id: 'dfc8977a-1f87-4e99-95cb-4bd25e4f546d', value: 'vso.work_write' },
      { id: '0d85fdcb-8267-4af0-857e-7f76b110fbdc', value: 'vso.build' },
      { id: 'b64406bf-2a08-4182-b51e-f51dd0f6d5a3', value: 'vso.build_execute' },
      { id: '7b1a2725-1134-40f5-a891-d20bbb122919', value: 'vso.project' },
    ],
    roles: [],
  },
  arm: {
    appId: ARM_APP_ID, displayName: 'Windows Azure Service Management API',
    scopes: [{ id: '41094075-9dad-400e-a0bd-54e686782033', value: 'user_impersonation' }], roles: [],
  },
};
