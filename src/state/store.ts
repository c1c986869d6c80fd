/**
 * Reading and writing deployment files: atomic (temp file, fsync, rename) so a run killed
 * mid-write never leaves half a file, and serialised so parallel steps never lose an update.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, readlink, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.ts';
import { recordSaved } from './saved.ts';
import { DeploymentSchema, deploymentFileName, type Deployment, type ResourceKey, type Resources } from './deployment.ts';

/**
 * Replaces `path` with `content`: written to a new file of random name in the same folder, created
 * exclusively (O_EXCL never follows or reuses a name someone planted, e.g. a link to their file),
 * given its mode through the open handle, synced, then renamed over the target. A target that is a
 * symbolic link or not a regular file is refused rather than replaced or written through.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  await refuseNonRegular(path);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(9).toString('base64url')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.chmod(mode); // open's mode is masked by the umask, and only ever narrowed
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    recordSaved(path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Throws unless `path` is missing or a regular file (never a link, folder, FIFO or device). */
export async function refuseNonRegular(path: string): Promise<void> {
  let s;
  try {
    s = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (s.isFile()) return;
  const what = s.isSymbolicLink() ? `a symbolic link (to ${await readlink(path).catch(() => '?')})` : 'not a regular file';
  throw new UsageError(`refusing to write ${path}: it is ${what}`, {
    suggestion: `mcp-obo writes its files, secrets included, only as regular files. Remove it (\`rm ${path}\`) and rerun; if you did not create it, check who else can write to ${dirname(path)}.`,
  });
}

export async function readDeployment(path: string): Promise<Deployment> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read deployment file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      suggestion: 'Run `mcp-obo init` to create one, or pass --deployment <file>.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UsageError(`deployment file ${path} is not valid JSON`);
  }
  const parsed = DeploymentSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UsageError(`deployment file ${path} is not valid: ${first?.path.join('.') || '(root)'}: ${first?.message}`, {
      suggestion: 'Fix the file by hand or run `mcp-obo init` again.',
    });
  }
  return parsed.data;
}

export { locateDeployment } from './locate.ts';

/** A loaded deployment that saves itself after every change, one write at a time. */
export class DeploymentStore {
  private queue: Promise<void> = Promise.resolve();
  readonly path: string;
  private current: Deployment;

  constructor(path: string, deployment: Deployment) {
    this.path = path;
    this.current = deployment;
  }

  static async open(path: string): Promise<DeploymentStore> {
    return new DeploymentStore(path, await readDeployment(path));
  }

  static defaultPath(cwd: string, d: Pick<Deployment, 'prefix' | 'env'>): string {
    return join(cwd, deploymentFileName(d));
  }

  get deployment(): Deployment {
    return this.current;
  }

  /**
   * Saves a change. A change that changes nothing leaves the file alone (bytes and mtime): it is
   * committed to git, and a no-op provision or deploy must not show up as a diff.
   */
  async update(mutate: (d: Deployment) => Deployment): Promise<void> {
    const next = DeploymentSchema.parse(mutate(this.current));
    if (sameContent(next, this.current)) return;
    this.current = DeploymentSchema.parse({ ...next, updatedAt: new Date().toISOString() });
    const snapshot = JSON.stringify(this.current, null, 2) + '\n';
    const write = this.queue.then(() => writeFileAtomic(this.path, snapshot));
    this.queue = write.catch(() => {});
    await write;
  }

  setResource<K extends ResourceKey>(key: K, value: Resources[K] | undefined): Promise<void> {
    return this.update((d) => ({ ...d, resources: { ...d.resources, [key]: value } }));
  }
}

/** Equal apart from when they were saved. */
function sameContent(a: Deployment, b: Deployment): boolean {
  return canonical({ ...a, updatedAt: undefined }) === canonical({ ...b, updatedAt: undefined });
}

/** JSON with keys sorted: the same content whatever order a step built its object in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}
