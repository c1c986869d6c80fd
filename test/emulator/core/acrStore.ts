// Container registry contents (repositories, tags, digests, image configs), ACR Tasks run numbering,
// uploaded build sources, and the ACR scenario switches.
import type { ImageConfig } from './dockerfile.ts';

export interface AcrImage {
  /** Login server, e.g. myregistry.azurecr.io */
  registry: string;
  repository: string;
  tag: string;
  digest: string;
  pushedAt: string;
  /** The ACR Tasks run that pushed it (undefined when seeded with pushImage). */
  runId?: string;
  config: ImageConfig;
  /**
   * What the final stage's `COPY . <dir>` put in the image (a project image of `deploy`): replicas lay these files
   * out in their folder. Left out of snapshots (bytes).
   */
  files?: { dir: string; entries: { path: string; data: Buffer }[] };
}

export interface RegistryContents {
  /** Registry resource name. */
  name: string;
  loginServer: string;
  images: AcrImage[];
}

const lc = (s: string): string => s.toLowerCase();

/** `repo[:tag]` or `repo@sha256:...` (no registry host). */
export function parseImageName(name: string): { repository: string; tag?: string; digest?: string } | undefined {
  const m = /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(name);
  if (!m) return undefined;
  return { repository: m[1]!, ...(m[2] !== undefined ? { tag: m[2] } : {}), ...(m[3] !== undefined ? { digest: m[3] } : {}) };
}

export class AcrStore {
  /** Keyed by lower-cased registry resource id. */
  readonly #registries = new Map<string, RegistryContents>();
  readonly #runCounters = new Map<string, number>();
  /** Build sources uploaded through listBuildSourceUploadUrl: registry id -> relativePath -> storage location. */
  readonly uploads = new Map<string, Map<string, { account: string; path: string }>>();
  /** Switches. */
  tasksNotAllowed = false;
  /** undefined: builds succeed; a string: the next build fails with it in its log. */
  failNextBuild: string | undefined;
  /** Run logs are kept in the registry: listLogSasUrl answers with logArtifactLink only. */
  logsInRegistry = false;
  /** Docker Hub answers the build agent's anonymous pulls with 429 toomanyrequests. */
  dockerHubRateLimited = false;

  contents(registryId: string, name: string, loginServer: string): RegistryContents {
    const k = lc(registryId);
    const c = this.#registries.get(k) ?? { name, loginServer, images: [] };
    c.loginServer = loginServer;
    this.#registries.set(k, c);
    return c;
  }

  nextRunId(registryId: string): string {
    const n = (this.#runCounters.get(lc(registryId)) ?? 0) + 1;
    this.#runCounters.set(lc(registryId), n);
    return `cb${n.toString(36)}`;
  }

  /** Push (or re-tag) an image; a tag moves to the new digest. */
  push(c: RegistryContents, image: Omit<AcrImage, 'registry' | 'pushedAt'>): AcrImage {
    c.images = c.images.filter((x) => !(x.repository === image.repository && x.tag === image.tag));
    const stored: AcrImage = { ...image, registry: c.loginServer, pushedAt: new Date().toISOString() };
    c.images.push(stored);
    return stored;
  }

  /** The image an image reference (`<loginServer>/<repo>:<tag>` or `@sha256:`) names, if the registry holds it. */
  resolve(ref: string): { contents: RegistryContents | undefined; image: AcrImage | undefined; repository: string; tag: string } | undefined {
    const slash = ref.indexOf('/');
    if (slash === -1) return undefined;
    const server = lc(ref.slice(0, slash));
    const parsed = parseImageName(ref.slice(slash + 1));
    if (!parsed) return undefined;
    const contents = [...this.#registries.values()].find((c) => lc(c.loginServer) === server);
    const tag = parsed.tag ?? (parsed.digest ? '' : 'latest');
    const image = contents?.images.find((x) => x.repository === parsed.repository && (parsed.digest ? x.digest === parsed.digest : x.tag === tag));
    return { contents, image, repository: parsed.repository, tag: parsed.digest ?? tag };
  }

  byName(name: string): RegistryContents | undefined {
    return [...this.#registries.values()].find((c) => lc(c.name) === lc(name));
  }

  remove(registryId: string): void {
    this.#registries.delete(lc(registryId));
    this.#runCounters.delete(lc(registryId));
    this.uploads.delete(lc(registryId));
  }

  snapshot(): Record<string, AcrImage[]> {
    return structuredClone(Object.fromEntries([...this.#registries.values()].map((c) => [c.name, c.images.map(({ files: _files, ...image }) => image)])));
  }
}
