/**
 * Who exists in the local identity platform: three sample users (invented, on the reserved
 * contoso.example domain), the dev server's app registration with a secret made per run, and the
 * delegated permissions the resource APIs publish, all consented unless `--without-consent` says not.
 */
import { randomBytes } from 'node:crypto';
import { stableId, type SampleUser } from '../sample/tenant.ts';

export const DEV_TENANT_ID = stableId('mcp-obo-dev', 'tenant');
export const DEV_DOMAIN = 'contoso.example';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';

function user(given: string, surname: string, alias: string, jobTitle: string, department: string, office: string, orgs: string[]): SampleUser {
  return {
    oid: stableId('mcp-obo-dev', 'user', alias), displayName: `${given} ${surname}`, givenName: given, surname, mail: `${alias}@${DEV_DOMAIN}`, userPrincipalName: `${alias}@${DEV_DOMAIN}`,
    jobTitle, department, officeLocation: office, devopsOrgs: orgs, devopsProfileId: stableId('mcp-obo-dev', 'devops', alias),
  };
}

export const SAMPLE_USERS: readonly SampleUser[] = [
  user('Adele', 'Vance', 'AdeleV', 'Retail Manager', 'Retail', '18/2111', ['contoso', 'fabrikam']),
  user('Alex', 'Wilber', 'AlexW', 'Marketing Assistant', 'Marketing', '131/1104', ['contoso']),
  user('Megan', 'Bowen', 'MeganB', 'Marketing Manager', 'Marketing', '12/1110', ['contoso']),
];

/** Delegated permissions each first-party API publishes (the names tools may ask for). */
export const PUBLISHED: Record<'graph' | 'devops', readonly string[]> = {
  graph: [
    'User.Read', 'User.ReadBasic.All', 'User.Read.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite', 'Mail.Send', 'Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite',
    'Files.Read', 'Files.Read.All', 'Files.ReadWrite', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.Manage.All', 'People.Read', 'Tasks.Read', 'Tasks.ReadWrite',
    'Chat.Read', 'ChannelMessage.Read.All', 'Team.ReadBasic.All', 'Notes.Read', 'Contacts.Read', 'openid', 'profile', 'email', 'offline_access',
  ],
  devops: [
    'user_impersonation', 'vso.profile', 'vso.work', 'vso.work_write', 'vso.work_full', 'vso.build', 'vso.build_execute', 'vso.code', 'vso.code_write', 'vso.project', 'vso.release', 'vso.wiki', 'vso.wiki_write',
  ],
};

export interface DevApp {
  clientId: string;
  clientSecret: string;
  /** The app's own scope (what clients and the facade ask for). */
  scope: 'access_as_user';
}

export function newDevApp(): DevApp {
  return { clientId: stableId('mcp-obo-dev', 'app'), clientSecret: randomBytes(24).toString('base64url'), scope: 'access_as_user' };
}
