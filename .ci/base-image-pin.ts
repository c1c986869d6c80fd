/**
 * `npm run base-image:pin`: resolves the digest the Dockerfile's base image tag points at today and
 * writes it into `ARG NODE_IMAGE=<registry>/<repository>:<tag>@sha256:<digest>`; `-- --check` only
 * reports whether the pinned digest is still the tag's. Speaks the registry API (OCI distribution:
 * HEAD /v2/<name>/manifests/<tag>, anonymous bearer token when challenged) and needs the internet.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARG = /^ARG NODE_IMAGE=(?<host>[a-z0-9.-]+(?::\d+)?)\/(?<name>[a-z0-9._/-]+):(?<tag>[\w][\w.-]{0,127})@(?<digest>sha256:[a-f0-9]{64})$/m;
// Index first: the digest of a multi-platform tag is its index's, which is what `docker pull` pins.
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface BaseRef {
  host: string;
  name: string;
  tag: string;
  digest: string;
}

export function readBaseRef(dockerfile: string): BaseRef {
  const m = ARG.exec(dockerfile);
  if (!m?.groups) throw new Error('the Dockerfile has no `ARG NODE_IMAGE=<registry>/<repository>:<tag>@sha256:<digest>` line');
  return m.groups as unknown as BaseRef;
}

export function withDigest(dockerfile: string, digest: string): string {
  const ref = readBaseRef(dockerfile);
  return dockerfile.replace(ARG, `ARG NODE_IMAGE=${ref.host}/${ref.name}:${ref.tag}@${digest}`);
}

/** The anonymous token a registry's Bearer challenge points to (Docker Hub needs one; MCR does not challenge). */
async function anonymousToken(challenge: string, f: typeof fetch): Promise<string> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  if (!/^bearer /i.test(challenge) || !params.realm) throw new Error(`the registry asks for credentials (${challenge})`);
  const url = new URL(params.realm);
  for (const k of ['service', 'scope']) if (params[k]) url.searchParams.set(k, params[k]);
  const res = await f(url);
  if (res.status !== 200) throw new Error(`the registry's token endpoint answered HTTP ${res.status}`);
  const body = (await res.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token ?? '';
}

export async function currentDigest(ref: BaseRef, f: typeof fetch = fetch): Promise<string> {
  const url = `https://${ref.host}/v2/${ref.name}/manifests/${ref.tag}`;
  let res = await f(url, { method: 'HEAD', headers: { accept: ACCEPT } });
  if (res.status === 401) {
    const token = await anonymousToken(res.headers.get('www-authenticate') ?? '', f);
    res = await f(url, { method: 'HEAD', headers: { accept: ACCEPT, authorization: `Bearer ${token}` } });
  }
  const digest = res.headers.get('docker-content-digest');
  if (res.status !== 200 || !digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`${ref.host}/${ref.name}:${ref.tag}: HTTP ${res.status}${digest ? '' : ', no Docker-Content-Digest'}`);
  return digest;
}

async function main(): Promise<number> {
  const path = fileURLToPath(new URL('../Dockerfile', import.meta.url));
  const dockerfile = readFileSync(path, 'utf8');
  const ref = readBaseRef(dockerfile);
  const image = `${ref.host}/${ref.name}:${ref.tag}`;
  let digest: string;
  try {
    digest = await currentDigest(ref);
  } catch (err) {
    process.stderr.write(`could not resolve ${image}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}\nThe Dockerfile was not changed.\n`);
    return 1;
  }
  if (digest === ref.digest) {
    process.stdout.write(`${image} is still ${digest}\n`);
    return 0;
  }
  if (process.argv.includes('--check')) {
    process.stdout.write(`${image} moved: pinned ${ref.digest}, now ${digest}. Run \`npm run base-image:pin\`.\n`);
    return 1;
  }
  writeFileSync(path, withDigest(dockerfile, digest));
  process.stdout.write(`${image}: ${ref.digest} -> ${digest} (Dockerfile updated; build, test and commit it)\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
