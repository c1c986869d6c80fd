/** Well-known Entra application and permission ids used by the app registration. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const AZURE_DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';
export const VSCODE_CLIENT_ID = 'aebc6443-996d-45c2-90f0-388ff96faa56';
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** Delegated permissions the server needs, per resource application, by value and id. */
export const REQUIRED_PERMISSIONS = [
  {
    resourceAppId: MICROSOFT_GRAPH_APP_ID,
    name: 'Microsoft Graph',
    scopes: [
      { value: 'User.Read', id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d' },
      { value: 'openid', id: '37f7f235-527c-4136-accd-4a02d197296e' },
      { value: 'profile', id: '14dad69e-099b-42c9-810b-d002981feec1' },
      { value: 'email', id: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0' },
      // The authorization facade asks Entra for a refresh token (offline_access) when it signs users in.
      { value: 'offline_access', id: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182' },
    ],
  },
  {
    resourceAppId: AZURE_DEVOPS_APP_ID,
    name: 'Azure DevOps',
    scopes: [{ value: 'vso.profile', id: '4ee63f9b-9e65-476c-a487-9fea1e00c7ef' }],
  },
] as const;

export const REDIRECT_URIS = ['http://127.0.0.1:33418/', 'https://vscode.dev/redirect'];
export const ACCESS_AS_USER = 'access_as_user';

/**
 * Built-in Microsoft Entra roles (template ids, the same in every tenant:
 * learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference) and who may do
 * what a provision run does, per the "least privileged roles" of each Graph API page.
 */
export const ENTRA_ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  applicationDeveloper: 'cf1c38e5-3621-4004-a7cb-879624dced7c',
  groupsAdministrator: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  directoryWriters: '9360feb5-f418-4baa-8175-e2a00bac4301',
} as const;
