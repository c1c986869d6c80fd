// GitHub Actions' OIDC provider as a job sees it: the runtime's token endpoint (what
// ACTIONS_ID_TOKEN_REQUEST_URL points at, authorized by ACTIONS_ID_TOKEN_REQUEST_TOKEN) hands out a
// fresh ID token per request, signed by GitHub's own keys, issuer https://token.actions.githubusercontent.com,
// living 5 minutes. Claims and subject formats as docs.github.com/actions/reference/security/oidc describes
// them, including immutable subjects (`repo:OWNER@OWNER_ID/REPO@REPO_ID:…`, the default for repositories
// created after 15 July 2026; github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens).
// The request itself as @actions/core oidc-utils.ts makes it: GET {url}&audience=…, Bearer, answer {"value"}.
import { randomBytes, randomUUID } from 'node:crypto';
import { type Ctx, header, sendJson } from '../core/http.ts';
import { KeyStore } from '../core/keys.ts';
import type { Router } from '../core/router.ts';
import type { EmulatorClock } from '../core/clock.ts';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export interface GithubJob {
  owner: string;
  repo: string;
  ownerId: number;
  repoId: number;
  /** The ref the job runs for, e.g. refs/heads/main or refs/pull/7/merge. */
  ref: string;
  event: 'push' | 'workflow_dispatch' | 'pull_request';
  /** The job's `environment:`, which then names the subject. */
  environment?: string;
  /** The repository emits immutable subjects (owner and repository ids in the `repo` segment). */
  immutable: boolean;
}

export class GithubActions {
  readonly keys = new KeyStore();
  readonly requestToken = randomBytes(24).toString('base64url');
  /** Lifetime of each ID token in seconds (GitHub's: 5 minutes). */
  lifetimeSec = 300;
  /** ID tokens handed out so far. */
  issued = 0;
  job: GithubJob = { owner: 'contoso', repo: 'mcp-server', ownerId: 1_0342_118, repoId: 9_024_771, ref: 'refs/heads/main', event: 'push', immutable: false };
  readonly #url: string;
  readonly #clock: EmulatorClock;

  constructor(url: string, clock: EmulatorClock) {
    this.#url = url;
    this.#clock = clock;
  }

  /** `repo:…` as this repository spells it in subjects (what GitHub's OIDC customization API calls sub_claim_prefix). */
  prefix(): string {
    const j = this.job;
    return j.immutable ? `repo:${j.owner}@${j.ownerId}/${j.repo}@${j.repoId}` : `repo:${j.owner}/${j.repo}`;
  }

  /** The default subject template: environment, else pull_request, else the ref. */
  subject(): string {
    const j = this.job;
    if (j.environment) return `${this.prefix()}:environment:${j.environment}`;
    if (j.event === 'pull_request') return `${this.prefix()}:pull_request`;
    return `${this.prefix()}:ref:${j.ref}`;
  }

  /** What a workflow step gets in its environment with `permissions: id-token: write`. */
  runnerEnv(): Record<string, string> {
    return { ACTIONS_ID_TOKEN_REQUEST_URL: `${this.#url}/_github/actions/idtoken?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: this.requestToken, GITHUB_ACTIONS: 'true', CI: 'true' };
  }

  async mint(audience: string): Promise<string> {
    const j = this.job;
    const iat = this.#clock.nowSec();
    this.issued++;
    return this.keys.sign({
      jti: randomUUID(), sub: this.subject(), aud: audience, ref: j.ref, sha: randomBytes(20).toString('hex'), repository: `${j.owner}/${j.repo}`, repository_owner: j.owner,
      repository_owner_id: String(j.ownerId), repository_id: String(j.repoId), run_id: String(1000 + this.issued), run_number: '1', run_attempt: '1', actor: 'octocat',
      workflow: 'Deploy', event_name: j.event, ref_type: 'branch', job_workflow_ref: `${j.owner}/${j.repo}/.github/workflows/deploy.yml@${j.ref}`,
      ...(j.environment ? { environment: j.environment } : {}), iss: GITHUB_ISSUER, nbf: iat - 5, iat, exp: iat + this.lifetimeSec,
    });
  }
}

export function registerGithub(router: Router, gh: GithubActions): void {
  router.get(/^\/_github\/actions\/idtoken$/, async (ctx: Ctx) => {
    if (header(ctx, 'authorization') !== `Bearer ${gh.requestToken}`) return sendJson(ctx, 401, { message: 'Unauthorized' });
    sendJson(ctx, 200, { count: 1, value: await gh.mint(ctx.query.get('audience') ?? `https://github.com/${gh.job.owner}`) });
  });
}
