/**
 * Well-known Entra application ids. Permission ids are never listed here: they are read by name from
 * each API's service principal (src/permissions/resolve.ts).
 */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const AZURE_DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';
export const VSCODE_CLIENT_ID = 'aebc6443-996d-45c2-90f0-388ff96faa56';
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';


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
