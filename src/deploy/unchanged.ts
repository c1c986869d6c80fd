/**
 * Whether a deploy has anything to build: the build's key (the context archive's hash and the build
 * arguments) is recorded as a tag on the Container App in the same PUT that sets the image built from
 * it. Tags are not revision-scope, so recording it makes no revision of its own
 * (https://learn.microsoft.com/azure/container-apps/revisions#revision-scope-changes), and a later
 * deploy of an image from elsewhere (--image) replaces the tags and so forgets the key; `--image`
 * naming the running image keeps it (keptKey).
 */
import { createHash } from 'node:crypto';
import type { AzureClients } from '../azure/clients.ts';

/** The Container App tag holding the key of the build its image came from. */
export const BUILD_TAG = 'mcp-obo-build';

export function buildKey(contextDigest: string, buildArgs: Record<string, string> | undefined): string {
  const args = Object.entries(buildArgs ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify([contextDigest, args])).digest('hex');
}

export interface Running {
  /** The image of the app's template. */
  image: string;
  /** The revision that serves, when it is the latest one. */
  revision: string;
}

/**
 * The running image when it was built from `key` and its revision serves; undefined when a build
 * is due (no app yet, another context, an image from elsewhere, a latest revision that failed).
 */
export async function runningBuild(azure: AzureClients, resourceGroup: string, app: string, key: string, loginServer: string): Promise<Running | undefined> {
  const client = await azure.containerApps();
  const current = await client.containerApps.get(resourceGroup, app).catch((err: { statusCode?: number }) => {
    if (err.statusCode === 404) return undefined;
    throw err;
  });
  const image = current?.template?.containers?.[0]?.image;
  const revision = current?.latestRevisionName;
  if (!current || !image || !revision || current.tags?.[BUILD_TAG] !== key) return undefined;
  if (current.latestReadyRevisionName !== revision || !image.startsWith(`${loginServer}/`)) return undefined;
  return { image, revision };
}

/** The build key of the running image when `image` is that image (deploy --image of what runs), else undefined. */
export async function keptKey(azure: AzureClients, resourceGroup: string, app: string, image: string): Promise<string | undefined> {
  const client = await azure.containerApps();
  const current = await client.containerApps.get(resourceGroup, app).catch(() => undefined);
  return current?.template?.containers?.[0]?.image === image ? current.tags?.[BUILD_TAG] : undefined;
}
