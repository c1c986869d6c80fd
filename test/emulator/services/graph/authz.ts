// Who may change what in the directory, beyond the token's permission (checked by the dispatcher):
// a signed-in user needs a directory role, or owns the object, or the tenant lets users do it; an app
// with only Application.ReadWrite.OwnedBy manages only what it owns. Sources: the "Least privileged
// roles" of each Graph API page (application-post-applications, serviceprincipal-post-approleassignedto,
// oauth2permissiongrant-post, group-post-groups), the Application.ReadWrite.OwnedBy description ("It cannot
// update any apps that it is not an owner of", learn.microsoft.com/graph/permissions-reference), and the
// default user permissions allowedToCreateApps / allowedToCreateSecurityGroups (authorizationPolicy).
import type { Rec } from '../../core/graphStore.ts';
import { DIRECTORY_ROLES } from '../../core/wellKnown.ts';
import { denied } from './errors.ts';
import type { GCtx } from './index.ts';

const R = DIRECTORY_ROLES;
const role = (...names: string[]): string[] => names.map((n) => R[n]!);

export const APP_CREATORS = role('Global Administrator', 'Application Administrator', 'Cloud Application Administrator', 'Application Developer');
export const APP_ADMINS = role('Global Administrator', 'Application Administrator', 'Cloud Application Administrator');
export const GROUP_ADMINS = role('Global Administrator', 'Groups Administrator', 'User Administrator', 'Directory Writers');
export const ASSIGNMENT_ADMINS = role('Global Administrator', 'Application Administrator', 'Cloud Application Administrator', 'User Administrator', 'Privileged Role Administrator', 'Directory Writers');
export const CONSENT_ADMINS = role('Global Administrator', 'Privileged Role Administrator', 'Application Administrator', 'Cloud Application Administrator');

const lc = (s: unknown): string => String(s).toLowerCase();

function userHolds(g: GCtx, roles: string[]): boolean {
  return g.store.directoryRoles(g.caller.oid, true).some((r) => roles.includes(r));
}

export function owns(g: GCtx, rec: Rec | undefined): boolean {
  return (rec?.owners ?? []).some((o) => lc(o) === lc(g.caller.oid));
}

/** A new application or security group. */
export function requireCreate(g: GCtx, kind: 'application' | 'group'): void {
  if (!g.caller.delegated) return; // the app role was checked by the dispatcher (Application.ReadWrite.OwnedBy suffices to create)
  const ok = kind === 'application' ? g.store.allowedToCreateApps || userHolds(g, APP_CREATORS) : g.store.allowedToCreateSecurityGroups || userHolds(g, GROUP_ADMINS);
  if (!ok) throw denied();
}

/** Changes to an existing application, service principal or group (its credentials included). */
export function requireManage(g: GCtx, rec: Rec | undefined, kind: 'application' | 'servicePrincipal' | 'group'): void {
  if (owns(g, rec)) return;
  if (g.caller.delegated) {
    if (!userHolds(g, kind === 'group' ? GROUP_ADMINS : APP_ADMINS)) throw denied();
    return;
  }
  const all = kind === 'group' ? ['Group.ReadWrite.All', 'Directory.ReadWrite.All'] : ['Application.ReadWrite.All', 'Directory.ReadWrite.All'];
  if (!g.caller.roles.some((r) => all.includes(r))) throw denied();
}

/** Assigning principals to an app: the owner of its service principal, or an administrator. */
export function requireAssign(g: GCtx, resource: Rec): void {
  if (!g.caller.delegated || owns(g, resource)) return;
  if (!userHolds(g, ASSIGNMENT_ADMINS)) throw denied();
}

/** Tenant-wide (AllPrincipals) consent: an administrator. */
export function requireConsentAdmin(g: GCtx): void {
  if (g.caller.delegated && !userHolds(g, CONSENT_ADMINS)) throw denied();
}
