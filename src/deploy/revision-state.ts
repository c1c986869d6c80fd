/**
 * What a revision's states mean for a deploy. `runningState` is an open enum: the REST spec lists Running,
 * Processing, Stopped, Degraded, Failed and Unknown, and the service also reports Activating, ActivationFailed,
 * ScaledToZero and RunningAtMaxScale (microsoft/vscode-azurecontainerapps treats ScaledToZero as a success:
 * a revision with min replicas 0 shows it first while no traffic comes, PR #1088).
 */
import type { Revision } from '@azure/arm-appcontainers';

/** Serving, or ready to serve on the next request (which wakes a revision scaled to zero). */
const READY = new Set(['running', 'runningatmaxscale', 'scaledtozero']);
/** Never going to serve without a change: fail now instead of waiting out the timeout. */
const FAILED = new Set(['activationfailed', 'failed', 'stopped']);

export type Verdict = 'ready' | 'failed' | 'pull-refused' | 'waiting';

/** Registry answers that mean "who are you / not allowed", not "no such image". */
const PULL_AUTH = /UNAUTHORIZED|DENIED|authentication required|unauthorized: |insufficient_scope|403 Forbidden/i;

export function isPullAuthorizationError(text: string | undefined): boolean {
  return Boolean(text) && /image|pull|registry|oauth2\/token/i.test(text!) && PULL_AUTH.test(text!);
}

export function verdict(rev: Revision): Verdict {
  const running = (rev.runningState ?? '').toLowerCase();
  if ((rev.provisioningState ?? '').toLowerCase() === 'failed') return isPullAuthorizationError(rev.provisioningError) ? 'pull-refused' : 'failed';
  if (FAILED.has(running)) return 'failed';
  // Provisioning / Processing / Activating / Degraded / Unknown / anything new: keep waiting (bounded by the deadline).
  if ((rev.provisioningState ?? '').toLowerCase() === 'provisioned' && READY.has(running)) return 'ready';
  return 'waiting';
}

export function describe(rev: Revision): string {
  return `${rev.provisioningState ?? '?'} / ${rev.runningState ?? '?'}`;
}

/** Why the revision is not healthy, in Azure's words: provisioning error, its replicas' runningStateDetails, health. */
export function reasons(rev: Revision, replicaDetails: string[], extra?: string): string {
  const parts = [extra, rev.provisioningError, ...replicaDetails, rev.healthState === 'Unhealthy' && replicaDetails.length === 0 ? 'unhealthy' : undefined]
    .filter((x): x is string => Boolean(x && x.trim()))
    .map((x) => x.trim());
  return [...new Set(parts)].join('; ');
}
