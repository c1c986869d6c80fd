/**
 * Links into the Azure portal for what a deployment made, per cloud, in the deep-link form the
 * portal itself uses (`#@{tenant}/resource{id}` for ARM resources, `#view/{extension}/{blade}` for
 * Entra objects), so `show` and the hints after a command open the right page in the right tenant.
 */
import type { CloudName } from './cloud.ts';

const PORTAL: Record<CloudName, string> = {
  AzureCloud: 'https://portal.azure.com',
  AzureUSGovernment: 'https://portal.azure.us',
  AzureChinaCloud: 'https://portal.azure.cn',
};

export interface PortalTarget {
  cloud: CloudName;
  tenantId: string;
}

const base = (t: PortalTarget) => `${PORTAL[t.cloud]}/#@${t.tenantId}`;

export const portal = {
  /** Any ARM resource (resource group, container app, registry, ...) by its id. */
  resource: (t: PortalTarget, armId: string) => `${base(t)}/resource${armId}`,
  /** The app registration: its overview (API permissions and certificates & secrets are one click away). */
  appRegistration: (t: PortalTarget, appId: string) => `${base(t)}/view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/${appId}`,
  /** The app's API permissions, where "Grant admin consent" is. */
  apiPermissions: (t: PortalTarget, appId: string) => `${base(t)}/view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/${appId}`,
  /** The enterprise application's users and groups (who is assigned). */
  assignments: (t: PortalTarget, spObjectId: string, appId: string) => `${base(t)}/view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Users/objectId/${spObjectId}/appId/${appId}`,
  /** A group's members. */
  groupMembers: (t: PortalTarget, groupId: string) => `${base(t)}/view/Microsoft_AAD_IAM/GroupDetailsMenuBlade/~/Members/groupId/${groupId}`,
};
