/**
 * Which GitHub OIDC subjects the deployer trusts, derived from the workflow's triggers so that the
 * two always match: with an environment the deploy job's token says `environment:NAME` whatever
 * the branch; without one it says `ref:refs/heads/BRANCH` for each branch it deploys from; the
 * pull-request job's says `pull_request`. Subject formats: docs.github.com/actions/reference/security/oidc.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.ts';

export interface Subject {
  kind: 'branch' | 'environment' | 'pull-request';
  value: string;
  subject: string;
  /** The federated credential's name: ours all start with `github-`. */
  name: string;
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const OUR_CREDENTIAL = /^github-/;

/** git's own rules, roughly (git check-ref-format): no spaces, no `..`, nothing a subject or YAML would choke on. */
const BRANCH = /^(?!\/|.*\/\/|.*\.\.|.*\/$|.*\.lock$)[A-Za-z0-9._/-]{1,200}$/;
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;

/** A credential name: 3-120 of letters, digits, `-` and `_` (Entra's rule), unique per subject. */
function credentialName(kind: string, value: string): string {
  const plain = `github-${kind}-${value}`.replace(/[^A-Za-z0-9_-]/g, '-');
  if (plain.length <= 120 && plain === `github-${kind}-${value}`) return plain;
  return `${plain.slice(0, 107)}-${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}

export function subjectsFor(prefix: string, o: { branches: string[]; environment?: string; pullRequest: boolean }): Subject[] {
  for (const b of o.branches) if (!BRANCH.test(b)) throw new UsageError(`--branch "${b}" is not a branch name`);
  if (o.environment !== undefined && !ENVIRONMENT.test(o.environment)) throw new UsageError(`--environment "${o.environment}" is not a GitHub environment name`);
  const out: Subject[] = o.environment
    ? [{ kind: 'environment', value: o.environment, subject: `${prefix}:environment:${o.environment}`, name: credentialName('environment', o.environment) }]
    : o.branches.map((b) => ({ kind: 'branch' as const, value: b, subject: `${prefix}:ref:refs/heads/${b}`, name: credentialName('branch', b) }));
  if (o.pullRequest) out.push({ kind: 'pull-request', value: 'pull_request', subject: `${prefix}:pull_request`, name: 'github-pull-request' });
  return out;
}
