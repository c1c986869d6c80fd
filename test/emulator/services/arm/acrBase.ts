// The base image a build's FROM pulls, as the ACR Tasks agent's Docker sees it: a reference with a
// well-formed digest or tag, from Docker Hub (anonymous and rate-limited: docs.docker.com/docker-hub/usage/,
// which is why learn.microsoft.com/azure/container-registry/buffer-gate-public-content recommends importing
// base images or using the Microsoft Artifact Registry mirror), from the build's own registry (the image must
// be there: `az acr import`), or from another registry (taken as it comes).
import type { AcrStore, RegistryContents } from '../../core/acrStore.ts';
import { sha } from './acrLog.ts';

export interface BaseImage {
  /** registry.hub.docker.com for Docker Hub, else the host, e.g. mcr.microsoft.com */
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Docker Hub's answer to anonymous pulls over its limit (the agent pulls anonymously). */
export const RATE_LIMITED = 'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';

export function resolveBase(ref: string, env: { acr: AcrStore; contents: RegistryContents }): BaseImage | { error: string } {
  const m = /^(?:([a-z0-9.-]+(?::\d+)?|localhost)\/)?([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
  const explicitHost = m?.[1] !== undefined && (m[1].includes('.') || m[1].includes(':') || m[1] === 'localhost');
  if (!m || (ref.includes('@') && !m[4])) return { error: `invalid reference format: ${ref}` };
  const host = explicitHost ? m[1]!.toLowerCase() : 'docker.io';
  const path = explicitHost ? m[2]! : m[1] ? `${m[1]}/${m[2]}` : m[2]!;
  const tag = m[3] ?? (m[4] ? '' : 'latest');
  if (DOCKER_HUB.has(host)) {
    if (env.acr.dockerHubRateLimited) return { error: RATE_LIMITED };
    return { registry: 'registry.hub.docker.com', repository: path.includes('/') ? path : `library/${path}`, tag, digest: m[4] ?? `sha256:${sha(ref)}` };
  }
  if (host === env.contents.loginServer.toLowerCase()) {
    const found = env.acr.resolve(ref);
    if (!found?.image) return { error: `manifest for ${ref} not found: manifest unknown: manifest ${m[4] ?? `tagged by "${tag}"`} is not found` };
    return { registry: host, repository: path, tag: found.image.tag, digest: found.image.digest };
  }
  return { registry: host, repository: path, tag, digest: m[4] ?? `sha256:${sha(ref)}` };
}
