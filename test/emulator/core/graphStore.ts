// The Microsoft Graph directory: Graph-shaped objects, their relationships, propagation windows, and the
// projection of application objects onto the Entra token endpoint's Application records.
import { createHash, randomBytes } from 'node:crypto';
import type { Directory } from './directory.ts';
import { guid } from './http.ts';
import { firstPartySp, managedIdentitySp, newApplication, nowIso, opaqueId, spForApplication, userJson } from './graphModels.ts';
import type { Timing } from './timing.ts';
import { DEPLOYER_GRAPH_ROLES, DIRECTORY_ROLES, FIRST_PARTY } from './wellKnown.ts';
import type { Application, DirectoryLink, GraphState, JsonObject, User } from '../types.ts';

export interface Rec {
  obj: JsonObject;
  /** Epoch ms from which reads/updates by id see the object (propagation window). */
  visibleAt: number;
  /** Object ids of its owners (users or service principals); whoever creates it through Graph is the first. */
  owners?: string[];
}

export interface AppRec extends Rec {
  fics: JsonObject[];
  /** keyId -> secretText (never returned by GET). */
  secrets: Map<string, string>;
  /** keyId -> epoch ms from which the token endpoint accepts the secret. */
  secretUsableAt: Map<string, number>;
  entra: Application;
}

export interface GroupRec extends Rec {
  members: string[];
}

export type DeletedKind = 'application' | 'servicePrincipal' | 'group';

export interface DeletedRec {
  kind: DeletedKind;
  rec: Rec;
}

export type PrincipalType = 'User' | 'Group' | 'ServicePrincipal';

const lc = (s: unknown): string => String(s).toLowerCase();

export class GraphStore {
  readonly dir: Directory;
  readonly timing: Timing;
  readonly apps = new Map<string, AppRec>();
  readonly sps = new Map<string, Rec>();
  readonly groups = new Map<string, GroupRec>();
  readonly grants = new Map<string, JsonObject>();
  /** Every appRoleAssignment (appRoleAssignedTo of the resource = appRoleAssignments of the principal). */
  readonly assignments: JsonObject[] = [];
  readonly deleted = new Map<string, DeletedRec>();
  /** Switches. */
  verifiedDomains: string[];
  /** Domains added to the tenant but not verified (listed by GET /domains with isVerified false). */
  unverifiedDomains: string[] = [];
  readonly deniedWriters = new Set<string>();
  allowedToCreateApps = true;
  allowedToCreateSecurityGroups = true;
  /** The tenant has Microsoft Entra ID P1 (group-based app assignment, among others). */
  premium = true;
  /** Directory role template id -> members (users, service principals, role-assignable groups). */
  readonly roleMembers = new Map<string, Set<string>>();
  /** The tenant's default app management policy, as far as passwords go (none by default). */
  appManagementPolicy: { id: string; maxPasswordLifetimeDays?: number; blockPasswords?: boolean } | undefined;

  constructor(dir: Directory, timing: Timing) {
    this.dir = dir;
    this.timing = timing;
    this.verifiedDomains = [dir.tenantDomain];
    for (const def of [FIRST_PARTY.graph, FIRST_PARTY.arm]) this.addSp(firstPartySp(def), 0);
    for (const app of dir.applications) this.#seedApp(app);
    const mi = dir.managedIdentity;
    this.addSp(managedIdentitySp({ ...mi, name: mi.resourceId.split('/').pop()! }), 0);
    this.setAppRoles(dir.deployer.spObjectId, FIRST_PARTY.graph.appId, DEPLOYER_GRAPH_ROLES);
    // The default user administers the tenant (consent, other people's apps); tests use other users for less.
    this.assignDirectoryRole(dir.defaultUser.oid, DIRECTORY_ROLES['Global Administrator']!);
    dir.link = this.#link();
  }

  /** Graph objects of the apps the Directory was created with (deployer, server app). */
  #seedApp(app: Application): void {
    const scopes = app.publishedScopes.map((value) => ({
      adminConsentDescription: `Allows the app to access ${app.displayName} on behalf of the signed-in user.`, adminConsentDisplayName: `Access ${app.displayName}`,
      id: stableGuid(app.clientId, value), isEnabled: true, type: 'User', userConsentDescription: null, userConsentDisplayName: null, value,
    }));
    const obj = newApplication(
      { displayName: app.displayName, identifierUris: [...app.identifierUris], api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: scopes } },
      this.dir.tenantDomain,
    );
    Object.assign(obj, { id: app.objectId, appId: app.clientId });
    const rec: AppRec = { obj, visibleAt: 0, fics: [], secrets: new Map(), secretUsableAt: new Map(), entra: app };
    for (const s of app.secrets) this.#addSecret(rec, s, { displayName: 'seeded' }, 0);
    for (const f of app.federatedCredentials) rec.fics.push({ id: guid(), name: f.name, issuer: f.issuer, subject: f.subject, description: null, audiences: [...f.audiences] });
    this.apps.set(obj.id as string, rec);
    this.addSp(spForApplication(obj, this.dir.tenantId, { id: app.spObjectId, appRoleAssignmentRequired: app.appRoleAssignmentRequired }), 0);
  }

  #addSecret(rec: AppRec, secretText: string, o: { displayName?: unknown; endDateTime?: unknown; startDateTime?: unknown }, delayMs: number): JsonObject {
    const start = typeof o.startDateTime === 'string' ? o.startDateTime : nowIso();
    const end = typeof o.endDateTime === 'string' ? o.endDateTime : nowIso(Date.parse(start) + 2 * 365 * 24 * 3600_000);
    const cred = { customKeyIdentifier: null, displayName: typeof o.displayName === 'string' ? o.displayName : null, endDateTime: end, hint: secretText.slice(0, 3), keyId: guid(), secretText: null, startDateTime: start };
    (rec.obj.passwordCredentials as JsonObject[]).push(cred);
    rec.secrets.set(cred.keyId, secretText);
    // A new password works at the token endpoint only once it has replicated (AADSTS7000215 until then): "it does
    // not work right away, despite the cred being visible on the application ... 4-18 seconds" (microsoftgraph/
    // microsoft-graph-docs#17966). setPropagation({ secretMs }) sets the window.
    rec.secretUsableAt.set(cred.keyId, Date.now() + delayMs);
    return cred;
  }

  /** Every secret made so far is usable `ms` from now (still replicating, as a just-made one is); 0: usable now. */
  holdSecrets(ms: number): void {
    const until = Date.now() + ms;
    for (const rec of this.apps.values()) for (const keyId of rec.secrets.keys()) rec.secretUsableAt.set(keyId, until);
    this.sync();
  }

  /** addPassword: returns the credential with its secretText (the only time it is shown). */
  addPassword(rec: AppRec, o: JsonObject): JsonObject {
    const secret = `${randomBytes(3).toString('base64url')}8Q~${randomBytes(27).toString('base64url')}`;
    const cred = this.#addSecret(rec, secret, o, this.timing.propagation.secretMs);
    return { ...cred, secretText: secret };
  }

  visible(rec: Rec | undefined): boolean {
    return rec !== undefined && rec.visibleAt <= Date.now();
  }

  /** visibleAt for an object created now through Graph. */
  newVisibleAt(): number {
    return Date.now() + this.timing.propagation.graphMs;
  }

  addSp(obj: JsonObject, visibleAt: number): Rec {
    const rec = { obj, visibleAt };
    this.sps.set(obj.id as string, rec);
    return rec;
  }

  /** The service principal of a user-assigned identity created through ARM (visible after principalMs). */
  addManagedIdentitySp(mi: { principalId: string; clientId: string; name: string; resourceId: string }): void {
    this.addSp(managedIdentitySp(mi), Date.now() + this.timing.propagation.principalMs);
  }

  removeSp(id: string): void {
    this.sps.delete(id);
    for (let i = this.assignments.length - 1; i >= 0; i--) {
      const a = this.assignments[i]!;
      if (a.principalId === id || a.resourceId === id) this.assignments.splice(i, 1);
    }
    for (const [gid, g] of this.grants) if (g.clientId === id || g.resourceId === id) this.grants.delete(gid);
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m !== id);
  }

  appByAppId(appId: string): AppRec | undefined {
    return [...this.apps.values()].find((r) => lc(r.obj.appId) === lc(appId));
  }

  appByUniqueName(name: string): AppRec | undefined {
    return [...this.apps.values()].find((r) => typeof r.obj.uniqueName === 'string' && lc(r.obj.uniqueName) === lc(name));
  }

  spByAppId(appId: string): Rec | undefined {
    return [...this.sps.values()].find((r) => lc(r.obj.appId) === lc(appId));
  }

  /** A visible user, group or service principal by object id. */
  principal(id: string): { type: PrincipalType; displayName: string } | undefined {
    const u = this.dir.getUser(id);
    if (u) return { type: 'User', displayName: u.displayName };
    const g = this.groups.get(lc(id));
    if (this.visible(g)) return { type: 'Group', displayName: String(g!.obj.displayName) };
    const sp = this.sps.get(lc(id));
    if (this.visible(sp)) return { type: 'ServicePrincipal', displayName: String(sp!.obj.displayName) };
    return undefined;
  }

  /** Replace the app roles a principal holds on a resource (by role values). */
  setAppRoles(principalId: string, resourceAppId: string, values: string[]): void {
    const res = this.spByAppId(resourceAppId);
    if (!res) throw new RangeError(`resource service principal ${resourceAppId} not found`);
    const roles = res.obj.appRoles as JsonObject[];
    const ids = values.map((v) => {
      const r = roles.find((x) => lc(x.value) === lc(v));
      if (!r) throw new RangeError(`app role '${v}' not found on ${String(res.obj.displayName)}`);
      return r.id as string;
    });
    const principal = this.principal(principalId);
    for (let i = this.assignments.length - 1; i >= 0; i--) {
      const a = this.assignments[i]!;
      if (a.principalId === principalId && a.resourceId === res.obj.id) this.assignments.splice(i, 1);
    }
    for (const appRoleId of ids) {
      this.assignments.push({
        id: opaqueId(), deletedDateTime: null, appRoleId, createdDateTime: nowIso(), principalDisplayName: principal?.displayName ?? null, principalId,
        principalType: principal?.type ?? 'ServicePrincipal', resourceDisplayName: res.obj.displayName, resourceId: res.obj.id,
      });
    }
  }

  assignDirectoryRole(principalId: string, templateId: string): void {
    const set = this.roleMembers.get(templateId) ?? new Set<string>();
    set.add(lc(principalId));
    this.roleMembers.set(templateId, set);
  }

  /** Template ids of the directory roles a principal holds: directly, or also through the groups it is in. */
  directoryRoles(principalId: string, transitive: boolean): string[] {
    const holders = new Set([lc(principalId), ...(transitive ? this.memberOf(principalId).map(lc) : [])]);
    return [...this.roleMembers].filter(([, members]) => [...members].some((m) => holders.has(m))).map(([id]) => id);
  }

  /** Groups (ids) the object is a direct member of. */
  memberOf(id: string): string[] {
    return [...this.groups.values()].filter((g) => g.members.includes(lc(id))).map((g) => g.obj.id as string);
  }

  /** Re-project every application object onto its Entra Application record (after any Graph write). */
  sync(): void {
    for (const rec of this.apps.values()) {
      const e = rec.entra;
      const o = rec.obj;
      e.displayName = String(o.displayName);
      e.identifierUris = [...(o.identifierUris as string[])];
      const scopes = ((o.api as JsonObject).oauth2PermissionScopes ?? []) as JsonObject[];
      e.publishedScopes = scopes.filter((s) => s.isEnabled !== false).map((s) => String(s.value));
      e.federatedCredentials = rec.fics.map((f) => ({ name: String(f.name), issuer: String(f.issuer), subject: String(f.subject), audiences: [...(f.audiences as string[])] }));
      e.secrets = [...rec.secrets.values()];
      e.secretNotBefore = Object.fromEntries([...rec.secrets].map(([k, v]) => [v, rec.secretUsableAt.get(k) ?? 0]));
      const sp = this.spByAppId(e.clientId);
      e.spObjectId = sp ? String(sp.obj.id) : '';
      e.appRoleAssignmentRequired = sp?.obj.appRoleAssignmentRequired === true;
    }
  }

  /** Soft-delete (applications and service principals) or hard-delete (security groups). */
  remove(kind: DeletedKind, id: string): void {
    const now = nowIso();
    if (kind === 'application') {
      const rec = this.apps.get(id)!;
      this.apps.delete(id);
      this.dir.unregisterApp(rec.entra);
      rec.obj.deletedDateTime = now;
      this.deleted.set(id, { kind, rec });
      const sp = this.spByAppId(String(rec.obj.appId));
      if (sp) this.remove('servicePrincipal', String(sp.obj.id));
    } else if (kind === 'servicePrincipal') {
      const rec = this.sps.get(id)!;
      this.removeSp(id);
      rec.obj.deletedDateTime = now;
      this.deleted.set(id, { kind, rec });
    } else {
      this.groups.delete(id);
      for (let i = this.assignments.length - 1; i >= 0; i--) if (this.assignments[i]!.principalId === id) this.assignments.splice(i, 1);
    }
    this.sync();
  }

  restore(id: string): DeletedRec | undefined {
    const d = this.deleted.get(id);
    if (!d) return undefined;
    this.deleted.delete(id);
    d.rec.obj.deletedDateTime = null;
    if (d.kind === 'application') {
      const rec = d.rec as AppRec;
      this.apps.set(id, rec);
      this.dir.registerApp(rec.entra);
    } else if (d.kind === 'servicePrincipal') this.sps.set(id, d.rec);
    else this.groups.set(id, d.rec as GroupRec);
    this.sync();
    return d;
  }

  #link(): DirectoryLink {
    return {
      isAssigned: (app: Application, user: User): boolean => {
        const sp = this.spByAppId(app.clientId);
        if (!sp) return false;
        const holders = new Set([user.oid, ...this.memberOf(user.oid)]);
        return this.assignments.some((a) => a.resourceId === sp.obj.id && holders.has(String(a.principalId)));
      },
      grantedScopes: (app: Application, resourceAppId: string) => {
        const rec = this.appByAppId(app.clientId);
        const rra = ((rec?.obj.requiredResourceAccess ?? []) as JsonObject[]).filter((r) => lc(r.resourceAppId) === lc(resourceAppId));
        const client = this.spByAppId(app.clientId);
        const resource = this.spByAppId(resourceAppId);
        const grant = [...this.grants.values()].find((g) => g.consentType === 'AllPrincipals' && g.clientId === client?.obj.id && g.resourceId === resource?.obj.id);
        return { declared: rra.length > 0, scopes: String(grant?.scope ?? '').split(' ').filter(Boolean) };
      },
      isPublicClient: (clientAppId: string): boolean => this.appByAppId(clientAppId)?.obj.isFallbackPublicClient === true,
      webRedirectUris: (app: Application): string[] => {
        const web = this.appByAppId(app.clientId)?.obj.web as JsonObject | undefined;
        return Array.isArray(web?.redirectUris) ? (web.redirectUris as string[]) : [];
      },
      userConsent: (clientAppId: string, resourceAppId: string, userOid: string): string[] => {
        const api = (this.appByAppId(resourceAppId)?.obj.api ?? {}) as JsonObject;
        const scopes = (api.oauth2PermissionScopes ?? []) as JsonObject[];
        const pre = ((api.preAuthorizedApplications ?? []) as JsonObject[]).find((p) => lc(p.appId) === lc(clientAppId));
        const out = new Set(((pre?.delegatedPermissionIds ?? []) as string[]).map((id) => scopes.find((x) => lc(x.id) === lc(id))?.value).filter((v): v is string => typeof v === 'string'));
        const client = this.spByAppId(clientAppId);
        const resource = this.spByAppId(resourceAppId);
        for (const g of this.grants.values()) {
          if (!client || g.clientId !== client.obj.id || g.resourceId !== resource?.obj.id) continue;
          if (g.consentType === 'AllPrincipals' || lc(g.principalId) === lc(userOid)) String(g.scope ?? '').split(' ').filter(Boolean).forEach((v) => out.add(v));
        }
        return [...out];
      },
      appRoles: (app: Application, resourceAppId: string): string[] => {
        const res = this.spByAppId(resourceAppId);
        if (!res || app.spObjectId === '') return [];
        const roles = res.obj.appRoles as JsonObject[];
        return this.assignments
          .filter((a) => a.principalId === app.spObjectId && a.resourceId === res.obj.id)
          .map((a) => roles.find((r) => r.id === a.appRoleId)?.value)
          .filter((v): v is string => typeof v === 'string');
      },
    };
  }

  snapshot(): GraphState {
    const typed = (d: DeletedRec): JsonObject => ({ '@odata.type': `#microsoft.graph.${d.kind}`, ...d.rec.obj });
    return structuredClone({
      applications: [...this.apps.values()].map((r) => ({ ...r.obj, federatedIdentityCredentials: r.fics })),
      servicePrincipals: [...this.sps.values()].map((r) => ({ ...r.obj, appRoleAssignedTo: this.assignments.filter((a) => a.resourceId === r.obj.id) })),
      groups: [...this.groups.values()].map((r) => ({ ...r.obj, members: [...r.members] })),
      oauth2PermissionGrants: [...this.grants.values()],
      deletedItems: [...this.deleted.values()].map(typed),
      users: [...this.dir.users.values()].map(userJson),
    });
  }
}

/** A stable GUID derived from strings (seeded scope ids). */
function stableGuid(...parts: string[]): string {
  const s = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
