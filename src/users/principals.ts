/**
 * Who `mcp-obo users` means: a user by UPN (`ada@contoso.com`) or object id, or a group by object
 * id or display name, read from Microsoft Graph. An unknown or ambiguous name is bad input (exit 2)
 * and changes nothing.
 */
import type { GraphApi } from '../graph/client.ts';
import { isNotFound } from '../azure/errors.ts';
import { UsageError } from '../errors.ts';
import { GUID } from '../state/naming.ts';

export interface Principal {
  kind: 'user' | 'group' | 'servicePrincipal';
  id: string;
  /** What people recognise: `Ada Lovelace <ada@contoso.com>`, or the group's name. */
  name: string;
}

interface UserJson {
  id: string;
  displayName?: string;
  userPrincipalName?: string;
}

interface GroupJson {
  id: string;
  displayName?: string;
}

export function userName(u: UserJson): string {
  return u.userPrincipalName ? `${u.displayName ?? u.userPrincipalName} <${u.userPrincipalName}>` : (u.displayName ?? u.id);
}

const maybe = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
};

/** `who` as a user or group of the tenant. */
export async function resolvePrincipal(graph: GraphApi, who: string): Promise<Principal> {
  const w = who.trim();
  if (GUID.test(w) || w.includes('@')) {
    const u = await maybe(() => graph.get<UserJson>(`/users/${encodeURIComponent(w)}?$select=id,displayName,userPrincipalName`));
    if (u) return { kind: 'user', id: u.id, name: userName(u) };
    if (GUID.test(w)) {
      const g = await maybe(() => graph.get<GroupJson>(`/groups/${w}?$select=id,displayName`));
      if (g) return { kind: 'group', id: g.id, name: g.displayName ?? g.id };
    }
    throw new UsageError(`no user or group "${w}" in the tenant`, { suggestion: 'Give a user principal name (ada@contoso.com), an object id, or a group\'s exact name.' });
  }
  const groups = await graph.list<GroupJson>(`/groups?$filter=displayName eq '${w.replace(/'/g, "''")}'&$select=id,displayName`);
  if (groups.length === 1) return { kind: 'group', id: groups[0]!.id, name: groups[0]!.displayName ?? w };
  if (groups.length === 0) {
    throw new UsageError(`no user or group "${w}" in the tenant`, { suggestion: 'A user is named by user principal name (ada@contoso.com) or object id; a group by its exact display name or object id.' });
  }
  throw new UsageError(`${groups.length} groups are named "${w}"`, { suggestion: `Name the one you mean by object id: ${groups.map((g) => g.id).join(', ')}.` });
}
