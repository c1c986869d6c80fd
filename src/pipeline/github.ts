/**
 * The GitHub side of `pipeline github`, through the git and gh command lines: which repository
 * (the `origin` remote), how its OIDC tokens spell their subject, and its repository variables.
 * gh is optional: without it (or signed out) variables are printed, and subjects use the
 * name-based form with a warning.
 */
import { UsageError } from '../errors.ts';
import type { Run } from '../token/acquire.ts';

export interface GithubRepo {
  owner: string;
  name: string;
}

export const fullName = (r: GithubRepo) => `${r.owner}/${r.name}`;

/** owner/name from a github.com remote URL (https, ssh or scp-like), else undefined. */
export function parseRemote(url: string): GithubRepo | undefined {
  const m = /^(?:https:\/\/(?:[^@/]+@)?github\.com\/|ssh:\/\/git@github\.com(?::\d+)?\/|git@github\.com:)([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return m ? { owner: m[1]!, name: m[2]! } : undefined;
}

const REPO = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/;

/** The git facts the command needs, read in the deployment's folder. */
export interface GitFacts {
  repo: GithubRepo;
  /** Repository root, and the deployment's folder relative to it ('.' at the root). */
  root: string;
  workdir: string;
  /** The current branch, when on one. */
  branch: string | undefined;
}

const gitIn = (run: Run, cwd: string) => (...args: string[]) => run('git', ['-C', cwd, ...args]).catch(() => ({ stdout: '', stderr: 'git is not available', exitCode: 127 }));

/** The repository root and the folder's place in it; a folder outside git is its own root. */
export async function gitRoot(run: Run, cwd: string): Promise<{ root: string; workdir: string; inGit: boolean }> {
  const git = gitIn(run, cwd);
  const top = await git('rev-parse', '--show-toplevel');
  if (top.exitCode !== 0) return { root: cwd, workdir: '.', inGit: false };
  const prefix = (await git('rev-parse', '--show-prefix')).stdout.trim().replace(/\/$/, '');
  return { root: top.stdout.trim(), workdir: prefix || '.', inGit: true };
}

export async function gitFacts(run: Run, cwd: string, repoFlag: string | undefined): Promise<GitFacts> {
  const git = gitIn(run, cwd);
  const { root, workdir, inGit } = await gitRoot(run, cwd);
  if (!inGit) throw new UsageError(`${cwd} is not in a git repository`, { suggestion: 'Run `mcp-obo pipeline github` in the clone of the GitHub repository that will deploy (next to the deployment file).' });
  let repo: GithubRepo | undefined;
  if (repoFlag !== undefined) {
    const m = REPO.exec(repoFlag);
    if (!m) throw new UsageError(`--repo "${repoFlag}" is not owner/name`);
    repo = { owner: m[1]!, name: m[2]! };
  } else {
    const origin = await git('remote', 'get-url', 'origin');
    repo = origin.exitCode === 0 ? parseRemote(origin.stdout) : undefined;
    if (!repo) {
      throw new UsageError(origin.exitCode === 0 ? `the origin remote (${origin.stdout.trim()}) is not a github.com repository` : 'this repository has no origin remote', {
        suggestion: 'Name the repository: `mcp-obo pipeline github --repo <owner>/<name>`.',
      });
    }
  }
  const head = await git('symbolic-ref', '--quiet', '--short', 'HEAD');
  return { repo, root, workdir, branch: head.exitCode === 0 ? head.stdout.trim() : undefined };
}

/** Whether a file is tracked and has no uncommitted changes (the workflow reads the committed one). */
export async function committed(run: Run, cwd: string, file: string): Promise<boolean> {
  const tracked = await run('git', ['-C', cwd, 'ls-files', '--error-unmatch', '--', file]).catch(() => ({ exitCode: 1 }));
  if (tracked.exitCode !== 0) return false;
  const diff = await run('git', ['-C', cwd, 'diff', '--quiet', 'HEAD', '--', file]).catch(() => ({ exitCode: 1 }));
  return diff.exitCode === 0;
}

export interface SubjectFormat {
  /** `repo:OWNER/REPO`, or the immutable `repo:OWNER@ID/REPO@ID` GitHub reports. */
  prefix: string;
  /** How the prefix was learnt: from GitHub, or assumed (gh unavailable). */
  source: 'github' | 'assumed';
}

/** gh, when installed and signed in. */
export class Gh {
  readonly #run: Run;
  #ready: Promise<string | undefined> | undefined;

  constructor(run: Run) {
    this.#run = run;
  }

  /** undefined when usable, else why not. */
  unavailable(): Promise<string | undefined> {
    this.#ready ??= this.#run('gh', ['auth', 'status', '--hostname', 'github.com']).then(
      (r) => (r.exitCode === 0 ? undefined : 'gh is not signed in (`gh auth login`)'),
      () => 'gh is not installed',
    );
    return this.#ready;
  }

  async #api<T>(path: string): Promise<T | undefined> {
    const r = await this.#run('gh', ['api', path]);
    if (r.exitCode !== 0) {
      if (/HTTP 404/.test(r.stderr)) return undefined;
      throw new Error(`gh api ${path} failed: ${r.stderr.trim().split('\n').at(-1)}`);
    }
    return JSON.parse(r.stdout) as T;
  }

  /**
   * The subject prefix of the repository's OIDC tokens (GitHub's OIDC customization API; its
   * `sub_claim_prefix` carries the immutable ids for repositories that use them, as azd reads it:
   * Azure/azure-dev#9430). A custom subject template is refused: its subjects depend on claims chosen per repository.
   */
  async subjectFormat(repo: GithubRepo): Promise<SubjectFormat> {
    const fallback: SubjectFormat = { prefix: `repo:${repo.owner}/${repo.name}`, source: 'assumed' };
    if (await this.unavailable()) return fallback;
    // A 404 below would otherwise read as "default settings": first make sure gh sees the repository at all.
    if (!(await this.#api(`repos/${fullName(repo)}`))) {
      throw new UsageError(`gh cannot see the repository ${fullName(repo)}`, { suggestion: 'Check --repo (or the origin remote) and that `gh auth status` shows an account with access to it.' });
    }
    const c = await this.#api<{ use_default?: boolean; include_claim_keys?: string[]; sub_claim_prefix?: string }>(`repos/${fullName(repo)}/actions/oidc/customization/sub`);
    if (c && c.use_default === false && c.include_claim_keys?.length) {
      throw new UsageError(`${fullName(repo)} customizes the subject of its OIDC tokens (${c.include_claim_keys.join(', ')}); mcp-obo makes federated credentials for GitHub's default subjects only`, {
        suggestion: `Use the default template (\`gh api -X PUT repos/${fullName(repo)}/actions/oidc/customization/sub -F use_default=true\`), or create the federated credentials yourself.`,
      });
    }
    return { prefix: c?.sub_claim_prefix || fallback.prefix, source: 'github' };
  }

  async defaultBranch(repo: GithubRepo): Promise<string | undefined> {
    if (await this.unavailable()) return undefined;
    return (await this.#api<{ default_branch?: string }>(`repos/${fullName(repo)}`))?.default_branch;
  }

  async getVariable(repo: GithubRepo, name: string): Promise<string | undefined> {
    const r = await this.#run('gh', ['variable', 'get', name, '--repo', fullName(repo)]);
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  async setVariable(repo: GithubRepo, name: string, value: string): Promise<void> {
    const r = await this.#run('gh', ['variable', 'set', name, '--body', value, '--repo', fullName(repo)]);
    if (r.exitCode !== 0) throw new Error(`gh variable set ${name} failed: ${r.stderr.trim().split('\n').at(-1)}`);
  }

  async deleteVariable(repo: GithubRepo, name: string): Promise<void> {
    const r = await this.#run('gh', ['variable', 'delete', name, '--repo', fullName(repo)]);
    if (r.exitCode !== 0 && !/not found|HTTP 404/i.test(r.stderr)) throw new Error(`gh variable delete ${name} failed: ${r.stderr.trim().split('\n').at(-1)}`);
  }
}

/** The command that sets the variable by hand, when gh could not. */
export const setVariableCommand = (repo: GithubRepo, name: string, value: string) => `gh variable set ${name} --body ${value} --repo ${fullName(repo)}`;
