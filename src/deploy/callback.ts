/**
 * The authorization facade's callback at the deployed URL must be a redirect URI of the app.
 * `provision` registers the Container App's default host name in advance, so a plain deploy needs
 * no directory rights; a custom domain (or any other public host) is added here, keeping what
 * the registration already has.
 */
import type { Connection } from '../provision/connect.ts';
import type { DeploymentStore } from '../state/store.ts';
import { McpOboError } from '../errors.ts';
import { codeOf } from '../azure/errors.ts';
import { names } from '../state/naming.ts';

export function callbackUrl(host: string): string {
  return `https://${host}/oauth/callback`;
}

/**
 * True when the callback is known to be registered: the app's default host name (provision registers
 * it), or a host an earlier deploy made sure of (a bound custom domain). Then deploy makes no
 * directory call, so an identity with no directory rights (a pipeline's) can deploy.
 */
export function registeredAlready(store: DeploymentStore, host: string): boolean {
  const d = store.deployment;
  if (host === `${names(d).containerApp}.${d.resources.environment?.defaultDomain ?? ''}`) return true;
  return d.resources.facadeCallbacks?.includes(host) ?? false;
}

export async function ensureCallback(conn: Connection, store: DeploymentStore, host: string, status: (m: string) => void): Promise<void> {
  if (registeredAlready(store, host)) return;
  await addCallback(conn, store, host, status);
  await store.setResource('facadeCallbacks', [...(store.deployment.resources.facadeCallbacks ?? []), host]);
}

async function addCallback(conn: Connection, store: DeploymentStore, host: string, status: (m: string) => void): Promise<void> {
  const objectId = store.deployment.resources.application!.objectId;
  const url = callbackUrl(host);
  try {
    const { web = {} } = await conn.graph.get<{ web?: { redirectUris?: string[]; redirectUriSettings?: unknown; [k: string]: unknown } }>(`/applications/${objectId}?$select=web`);
    const { redirectUriSettings: _derived, ...current } = web;
    if (current.redirectUris?.includes(url)) return;
    status(`adding ${url} to the app registration's redirect URIs (sign-in through the authorization facade)`);
    await conn.graph.patch(`/applications/${objectId}`, { web: { ...current, redirectUris: [...(current.redirectUris ?? []), url] } });
  } catch (err) {
    if (codeOf(err) === 'Authorization_RequestDenied' || (err as { status?: number }).status === 403) {
      throw new McpOboError(`signing in at ${host} needs ${url} as a redirect URI of the app registration, and this identity may not change it (Authorization_RequestDenied)`, {
        code: 'authorization-denied',
        suggestion: `Ask someone who can edit the app registration (its owner, or an Application Administrator) to add ${url} under Authentication > Web > Redirect URIs, or to run \`mcp-obo deploy\` once; then deploy again.`,
        cause: err,
      });
    }
    throw err;
  }
}
