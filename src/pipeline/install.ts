/**
 * How this copy of mcp-obo was installed, so a pipeline installs exactly the same one: a version
 * from the registry, a commit of a git repository, a tarball (with its integrity), or the user's
 * own project that pins it in its lockfile. Read from npm's lockfiles (the project's, npx's cache,
 * the global prefix's hidden one) or from the checkout the code runs from. Reads only.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { InstallInfo } from '../state/deployment.ts';
import type { Run } from '../token/acquire.ts';
import { UsageError } from '../errors.ts';

export type { InstallInfo };


export interface InstallProbe {
  /** The running package's folder (symbolic links resolved, as Node loads it). */
  packageRoot: string;
  version: string;
  run: Run;
  readFile?(path: string): Promise<string | undefined>;
  exists?(path: string): Promise<boolean>;
}

export type Detected = { install: InstallInfo; warnings: string[] } | { install: undefined; reason: string };

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
}

const read = async (p: string) => readFile(p, 'utf8').catch(() => undefined);
const exists = async (p: string) => stat(p).then(() => true, () => false);

/** `deploymentDir` is where the deployment file (and so the pipeline's working folder) is. */
export async function detectInstall(probe: InstallProbe, deploymentDir: string): Promise<Detected> {
  const io = { read: probe.readFile ?? read, exists: probe.exists ?? exists };
  const root = probe.packageRoot.replace(/[\\/]+$/, '');
  if (await io.exists(join(root, '.git'))) return fromCheckout(probe, root);

  const parts = root.split(sep);
  const nm = parts.lastIndexOf('node_modules');
  if (nm < 0) return { install: undefined, reason: `${root} is neither in a node_modules folder nor a git checkout` };
  const owner = parts.slice(0, nm).join(sep) || sep;
  const key = parts.slice(nm).join('/');
  for (const lockfile of [join(owner, 'package-lock.json'), join(owner, 'npm-shrinkwrap.json'), join(owner, 'node_modules', '.package-lock.json')]) {
    const text = await io.read(lockfile);
    if (!text) continue;
    let entry: LockEntry | undefined;
    try {
      entry = (JSON.parse(text) as { packages?: Record<string, LockEntry> }).packages?.[key];
    } catch {
      continue;
    }
    if (!entry) continue;
    if (!lockfile.includes(`${sep}node_modules${sep}.package-lock.json`) && (await inProject(io, owner, deploymentDir))) {
      return { install: { kind: 'project', lockfile: portable(relative(deploymentDir, lockfile)) }, warnings: [] };
    }
    return fromLockEntry(entry, dirname(lockfile), deploymentDir, probe.version);
  }
  return { install: undefined, reason: `no npm lockfile under ${owner} records ${key}` };
}

/** The deployment's own project installs mcp-obo (package.json lists it) from a lockfile at or above the deployment file. */
async function inProject(io: { read(p: string): Promise<string | undefined> }, owner: string, deploymentDir: string): Promise<boolean> {
  const rel = relative(owner, deploymentDir);
  if (rel.startsWith('..') || isAbsolute(rel)) return false;
  const pkg = await io.read(join(owner, 'package.json'));
  if (!pkg) return false;
  try {
    const p = JSON.parse(pkg) as Record<string, Record<string, string> | undefined>;
    return ['dependencies', 'devDependencies', 'optionalDependencies'].some((k) => p[k]?.['mcp-obo'] !== undefined);
  } catch {
    return false;
  }
}

function fromLockEntry(entry: LockEntry, lockDir: string, deploymentDir: string, version: string): Detected {
  const resolved = entry.resolved ?? '';
  const git = /^git\+(.+)#([0-9a-f]{40})$/.exec(resolved);
  if (git) return { install: { kind: 'git', url: git[1]!, commit: git[2]! }, warnings: [] };
  if (/^https:\/\/.+\/-\/[^/]+\.tgz$/.test(resolved)) {
    const v = entry.version ?? version;
    return { install: { kind: 'registry', version: v, spec: `mcp-obo@${v}` }, warnings: [] };
  }
  if (resolved.startsWith('file:') && /\.t(ar\.)?gz$/.test(resolved) && entry.integrity) {
    const file = resolve(lockDir, resolved.slice('file:'.length));
    const path = portable(relative(deploymentDir, file));
    const outside = path.startsWith('../') || isAbsolute(path);
    return {
      install: { kind: 'tarball', path, integrity: entry.integrity },
      warnings: outside ? [`the tarball ${file} is outside this folder: a pipeline can only install it once it is committed here (e.g. vendor/) and installed from there`] : [],
    };
  }
  return { install: undefined, reason: `npm installed it from ${resolved || 'an unknown source'}` };
}

async function fromCheckout(probe: InstallProbe, root: string): Promise<Detected> {
  const git = (args: string[]) => probe.run('git', ['-C', root, ...args]).catch(() => ({ stdout: '', stderr: 'git is not available', exitCode: 127 }));
  const head = await git(['rev-parse', 'HEAD']);
  if (head.exitCode !== 0) return { install: undefined, reason: `${root} is a git checkout, but \`git rev-parse HEAD\` failed: ${head.stderr.trim()}` };
  const remotes = (await git(['remote'])).stdout.split('\n').map((r) => r.trim()).filter(Boolean);
  const remote = remotes.includes('origin') ? 'origin' : remotes[0];
  if (!remote) return { install: undefined, reason: `${root} is a git checkout without a remote, which a pipeline cannot clone` };
  const url = (await git(['remote', 'get-url', remote])).stdout.trim();
  // A clone of a clone on this machine (a path or file:// remote) is not something a runner can fetch.
  if (!/^(https?:\/\/|ssh:\/\/|git:\/\/|[\w.-]+@[\w.-]+:)/.test(url)) return { install: undefined, reason: `${root}'s remote ${remote} is ${url}, a path on this machine, which a pipeline cannot clone` };
  const commit = head.stdout.trim();
  const dirty = (await git(['status', '--porcelain', '--untracked-files=no'])).stdout.trim() !== '';
  return {
    install: { kind: 'git', url, commit },
    warnings: [
      `the pipeline builds mcp-obo from ${url} at ${commit.slice(0, 12)}: push that commit`,
      ...(dirty ? [`${root} has uncommitted changes, which the pipeline will not have`] : []),
    ],
  };
}

const portable = (p: string) => p.split(sep).join('/');

/** `--install`: `mcp-obo@1.2.3`, a tarball in this folder, or `<git url>#<commit>`. */
export async function parseInstall(spec: string, cwd: string): Promise<InstallInfo> {
  const registry = /^mcp-obo@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(spec);
  if (registry) return { kind: 'registry', version: registry[1]!, spec };
  const git = /^((?:git\+)?(?:https:\/\/|ssh:\/\/|git@)\S+)#([0-9a-f]{40})$/.exec(spec);
  if (git) return { kind: 'git', url: git[1]!, commit: git[2]! };
  if (/\.t(ar\.)?gz$/.test(spec)) {
    const file = resolve(cwd, spec);
    const bytes = await readFile(file).catch(() => {
      throw new UsageError(`--install ${spec}: no such file`);
    });
    const path = portable(relative(cwd, file));
    if (path.startsWith('../') || isAbsolute(path)) throw new UsageError(`--install ${spec} is outside this folder`, { suggestion: 'Copy the tarball into the repository (e.g. vendor/) so the pipeline can install it.' });
    return { kind: 'tarball', path, integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}` };
  }
  throw new UsageError(`--install "${spec}" is not mcp-obo@<version>, a .tgz file or <git url>#<commit>`);
}
