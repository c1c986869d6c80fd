/**
 * The delegated permissions a deployment needs, derived from its tools: each tool's scopes per API,
 * plus what signing in needs (Graph openid, profile, email, offline_access: the authorization facade
 * signs users in as the app and asks for a refresh token). Remembers which tools need each one, so
 * messages can say "only the mail pack needed Mail.Send".
 */
import type { ToolSource } from '../tools/load.ts';

/** What signing in through the facade asks Graph for, whatever the tools. */
export const SIGN_IN_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export interface WantedResource {
  /** `graph`, `devops`, or an API's identifier URI. */
  resource: string;
  /** Permission name -> the tools (or `sign-in`) that need it. */
  permissions: Map<string, string[]>;
}

export function wantedPermissions(sources: readonly ToolSource[]): WantedResource[] {
  const out = new Map<string, WantedResource>();
  const add = (resource: string, permission: string, by: string) => {
    const r = out.get(resource) ?? { resource, permissions: new Map() };
    out.set(resource, r);
    // Entra compares permission values case-insensitively; keep the first spelling.
    const key = [...r.permissions.keys()].find((k) => k.toLowerCase() === permission.toLowerCase()) ?? permission;
    r.permissions.set(key, [...(r.permissions.get(key) ?? []), by]);
  };
  for (const s of SIGN_IN_SCOPES) add('graph', s, 'sign-in');
  for (const { tool, from } of sources) for (const [resource, scopes] of Object.entries(tool.scopes)) for (const s of scopes) add(resource, s, `${tool.name} (${from})`);
  return [...out.values()];
}
