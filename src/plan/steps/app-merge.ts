/**
 * What mcp-obo needs on its app registration, merged into what is there. Graph's PATCH replaces a
 * list whole, so sending only our redirect URIs, scopes, pre-authorised clients or permissions would
 * delete what an administrator added. Instead every list is read, ours are added to it, and theirs
 * stay. A scope is never deleted while enabled (Graph refuses: CannotDeleteOrUpdateEnabledEntitlement):
 * retiring one takes a PATCH that disables it, then one that removes it.
 */
export interface Scope {
  id: string;
  value: string;
  isEnabled?: boolean;
  [k: string]: unknown;
}

export interface PreAuthorized {
  appId: string;
  delegatedPermissionIds: string[];
}

export interface ResourceAccess {
  resourceAppId: string;
  resourceAccess: { id: string; type: string }[];
}

export interface App {
  id: string;
  appId: string;
  displayName: string;
  signInAudience?: string;
  identifierUris?: string[];
  tags?: string[];
  web?: { redirectUris?: string[]; redirectUriSettings?: unknown; [k: string]: unknown };
  api?: { requestedAccessTokenVersion?: number | null; oauth2PermissionScopes?: Scope[]; preAuthorizedApplications?: PreAuthorized[]; [k: string]: unknown };
  requiredResourceAccess?: ResourceAccess[];
  passwordCredentials?: { keyId: string; displayName?: string | null }[];
  keyCredentials?: unknown[];
}

/** Our part of the registration. `identifierUris` and `preAuthorized` need the app id, so they are absent at creation. */
export interface Wanted {
  displayName: string;
  signInAudience: string;
  tags: string[];
  redirectUris: string[];
  identifierUris?: string[];
  scope: Scope;
  preAuthorized?: string[];
  requiredResourceAccess: ResourceAccess[];
  /** Delegated permissions mcp-obo added earlier that no tool needs now, to take off (only ones it recorded as its own). */
  retiredPermissions?: { resourceAppId: string; id: string }[];
  /** Values of scopes an earlier version published and no longer wants: disabled, then removed. */
  retiredScopes: string[];
}

const union = (have: readonly string[] | undefined, add: readonly string[]): string[] => [...(have ?? []), ...add.filter((x) => !(have ?? []).includes(x))];

function mergeScopes(have: Scope[], want: Wanted): { scopes: Scope[]; retiring: Scope[] } {
  const ours = have.find((s) => s.value === want.scope.value);
  let scopes = ours ? have.map((s) => (s === ours && s.isEnabled === false ? { ...s, isEnabled: true } : s)) : [...have, want.scope];
  // Retiring is two-phase: an enabled scope is only disabled now; a disabled one can go.
  const retiring = scopes.filter((s) => want.retiredScopes.includes(s.value) && s.isEnabled !== false);
  scopes = scopes.filter((s) => !want.retiredScopes.includes(s.value) || s.isEnabled !== false).map((s) => (retiring.includes(s) ? { ...s, isEnabled: false } : s));
  return { scopes, retiring };
}

function mergePreAuthorized(have: PreAuthorized[], clients: string[], scopeId: string, gone: string[]): PreAuthorized[] {
  const out = have.map((p) => ({ ...p, delegatedPermissionIds: p.delegatedPermissionIds.filter((id) => !gone.includes(id)) }));
  for (const appId of clients) {
    const entry = out.find((p) => p.appId.toLowerCase() === appId.toLowerCase());
    if (entry) entry.delegatedPermissionIds = union(entry.delegatedPermissionIds, [scopeId]);
    else out.push({ appId, delegatedPermissionIds: [scopeId] });
  }
  return out.filter((p) => p.delegatedPermissionIds.length > 0 || have.some((h) => h.appId === p.appId && h.delegatedPermissionIds.length === 0));
}

function mergePermissions(have: ResourceAccess[], want: ResourceAccess[], retired: { resourceAppId: string; id: string }[] = []): ResourceAccess[] {
  const gone = (appId: string, a: { id: string; type: string }) => a.type === 'Scope' && retired.some((r) => r.resourceAppId === appId && r.id === a.id);
  const out = have.map((r) => ({ ...r, resourceAccess: r.resourceAccess.filter((a) => !gone(r.resourceAppId, a)) })).filter((r) => r.resourceAccess.length > 0 || !have.find((h) => h.resourceAppId === r.resourceAppId)?.resourceAccess.length);
  for (const w of want) {
    const entry = out.find((r) => r.resourceAppId === w.resourceAppId);
    if (!entry) out.push({ resourceAppId: w.resourceAppId, resourceAccess: [...w.resourceAccess] });
    else for (const a of w.resourceAccess) if (!entry.resourceAccess.some((x) => x.id === a.id && x.type === a.type)) entry.resourceAccess.push(a);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The PATCH bodies that bring `app` to include `want`, in order (two when a scope must be disabled
 * before it is removed), and what they change, for the plan. No body: nothing to do.
 */
export function mergeInto(app: App, want: Wanted): { bodies: Record<string, unknown>[]; changes: string[] } {
  const changes: string[] = [];
  const body: Record<string, unknown> = {};
  const api: Record<string, unknown> = {};
  /** Sends `value` under `key` of `target` when it differs from what is there. */
  const put = (target: Record<string, unknown>, key: string, have: unknown, value: unknown, change: string) => {
    if (same(have, value)) return;
    target[key] = value;
    changes.push(change);
  };
  put(body, 'displayName', app.displayName, want.displayName, 'name');
  put(body, 'signInAudience', app.signInAudience, want.signInAudience, 'audience');
  put(body, 'tags', app.tags ?? [], union(app.tags, want.tags), 'tags');
  // A complex property goes back whole (a PATCH replaces it): the rest of `web` and `api` as they are.
  // redirectUriSettings is derived from redirectUris and not written back.
  const { redirectUriSettings: _derived, ...web } = app.web ?? {};
  const redirects = union(app.web?.redirectUris, want.redirectUris);
  if (!same(redirects, app.web?.redirectUris ?? [])) put(body, 'web', undefined, { ...web, redirectUris: redirects }, 'redirect URIs');
  if (want.identifierUris) put(body, 'identifierUris', app.identifierUris ?? [], union(app.identifierUris, want.identifierUris), 'identifier URIs');
  put(body, 'requiredResourceAccess', app.requiredResourceAccess ?? [], mergePermissions(app.requiredResourceAccess ?? [], want.requiredResourceAccess, want.retiredPermissions), 'API permissions');

  const haveScopes = app.api?.oauth2PermissionScopes ?? [];
  const { scopes, retiring } = mergeScopes(haveScopes, want);
  const scopeId = scopes.find((s) => s.value === want.scope.value)!.id;
  const removed = haveScopes.filter((s) => !scopes.some((x) => x.id === s.id)).map((s) => s.id);
  const haveClients = app.api?.preAuthorizedApplications ?? [];
  const clients = want.preAuthorized ? mergePreAuthorized(haveClients, want.preAuthorized, scopeId, removed) : haveClients;
  put(api, 'requestedAccessTokenVersion', app.api?.requestedAccessTokenVersion, 2, 'token version');
  put(api, 'oauth2PermissionScopes', haveScopes, scopes, retiring.length ? `scope (disabling ${retiring.map((s) => s.value).join(', ')})` : 'scope');
  put(api, 'preAuthorizedApplications', haveClients, clients, 'pre-authorized clients');
  if (Object.keys(api).length) body.api = { ...app.api, ...api };

  const bodies = Object.keys(body).length ? [body] : [];
  if (retiring.length) {
    // Second phase: the now-disabled scopes go, and no client stays pre-authorised for them.
    const ids = retiring.map((s) => s.id);
    const after = scopes.filter((s) => !ids.includes(s.id));
    bodies.push({ api: { ...app.api, ...api, oauth2PermissionScopes: after, preAuthorizedApplications: mergePreAuthorized(clients, [], scopeId, ids) } });
  }
  return { bodies, changes };
}

/** The full body that creates the registration (no list to merge into yet). */
export function creation(want: Wanted, notes: string): Record<string, unknown> {
  return {
    displayName: want.displayName,
    signInAudience: want.signInAudience,
    tags: want.tags,
    notes,
    web: { redirectUris: want.redirectUris },
    requiredResourceAccess: want.requiredResourceAccess,
    api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [want.scope] },
  };
}
