/**
 * What the app registration's API permissions become: the tools' permissions, resolved by name,
 * added to what is there (an administrator's additions stay: the application step merges, see
 * app-merge.ts); permissions mcp-obo added earlier for tools that are gone (a disabled pack) come off
 * only when the user agrees, and are named either way. The deployment file records which
 * permissions mcp-obo added, so nobody else's is ever taken off.
 */
import type { ResolvedResource } from './resolve.ts';

export interface ResourceAccess {
  resourceAppId: string;
  resourceAccess: { id: string; type: string }[];
}

/** Permission ids mcp-obo added, per resource app id (the deployment file's `application.permissions`). */
export type Applied = Record<string, string[]>;

export interface PermissionPlan {
  resolved: ResolvedResource[];
  /** Recorded earlier, needed by no tool now. */
  unneeded: { resourceAppId: string; id: string; api: string; permission: string }[];
  /** Whether the unneeded ones come off (the user agreed, or --prune-permissions). */
  prune: boolean;
}

export function wantedAccess(resolved: readonly ResolvedResource[]): ResourceAccess[] {
  return resolved.filter((r) => r.permissions.every((p) => p.id)).map((r) => ({ resourceAppId: r.resourceAppId, resourceAccess: r.permissions.map((p) => ({ id: p.id, type: 'Scope' })) }));
}

/** Recorded permissions no tool needs any more. `names` turns ids into names for messages (from the APIs' service principals). */
export function unneededPermissions(applied: Applied | undefined, resolved: readonly ResolvedResource[], names: (appId: string, id: string) => { api: string; permission: string }): PermissionPlan['unneeded'] {
  const out: PermissionPlan['unneeded'] = [];
  for (const [appId, ids] of Object.entries(applied ?? {})) {
    const still = new Set(resolved.find((r) => r.resourceAppId === appId)?.permissions.map((p) => p.id) ?? []);
    for (const id of ids) if (!still.has(id)) out.push({ resourceAppId: appId, id, ...names(appId, id) });
  }
  return out;
}

/**
 * What to record after the update: what was recorded and stays, plus what this run added (wanted
 * and not there before). A wanted permission an administrator had already added stays theirs.
 */
export function appliedAfter(before: Applied | undefined, have: readonly ResourceAccess[], want: readonly ResourceAccess[], removed: readonly { resourceAppId: string; id: string }[]): Applied {
  const out: Applied = {};
  const push = (appId: string, id: string) => {
    const list = (out[appId] ??= []);
    if (!list.includes(id)) list.push(id);
  };
  for (const [appId, ids] of Object.entries(before ?? {})) for (const id of ids) if (!removed.some((r) => r.resourceAppId === appId && r.id === id)) push(appId, id);
  for (const w of want) {
    const present = have.find((r) => r.resourceAppId === w.resourceAppId)?.resourceAccess ?? [];
    for (const a of w.resourceAccess) if (!present.some((p) => p.id === a.id)) push(w.resourceAppId, a.id);
  }
  return out;
}
