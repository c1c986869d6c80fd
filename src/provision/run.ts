/**
 * `mcp-obo provision`: preflight, then the plan of steps (in parallel where independent), each
 * saving its outputs as it finishes; `--dry-run` stops after planning; `--consent` grants admin
 * consent at the end. Ends with a summary of every resource and the values worth keeping.
 */
import { dirname, join } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import { createProgress, progressMode } from '../cli/progress.ts';
import { McpOboError } from '../errors.ts';
import { classifyProvisioning, classifyTransient, explain } from '../azure/errors.ts';
import { runPlan, type StepResult } from '../plan/runner.ts';
import { retry } from '../plan/retry.ts';
import { PROVISION_STEPS } from '../plan/steps/index.ts';
import type { StepContext } from '../plan/types.ts';
import { names } from '../state/naming.ts';
import { DeploymentStore, locateDeployment, refuseNonRegular } from '../state/store.ts';
import { envFileName } from '../state/env-local.ts';
import { moveLegacyEnvLocal } from '../state/env-migrate.ts';
import { connect, type Connection } from './connect.ts';
import { preflight } from './preflight.ts';
import { grantConsent, type PermissionStatus } from './consent.ts';
import { printSummary } from './summary.ts';

export interface ProvisionOptions {
  deployment?: string;
  dryRun?: boolean;
  json?: boolean;
  /** false with --no-secret */
  secret?: boolean;
  consent?: boolean;
  /** Steps at once; 1 runs them one after another. */
  concurrency?: number;
}

/** The retry policy of every Azure and Entra write: backoff, Retry-After, replication delays when asked. */
export function azureRetry(clock: Connection['clock'], onRetry?: (label: string, attempt: number, waitMs: number, reason: string) => void): StepContext['retry'] {
  return (label, fn, o) =>
    retry(fn, {
      clock,
      classify: o?.propagation ? classifyProvisioning : (err) => classifyTransient(err),
      maxAttempts: 30,
      baseMs: 1000,
      maxDelayMs: 15_000,
      deadlineMs: 10 * 60_000,
      onRetry: (attempt, waitMs, reason) => onRetry?.(label, attempt, waitMs, reason),
    });
}

export async function stepContext(store: DeploymentStore, conn: Connection, ctx: CliContext, opts: { dryRun?: boolean; secret?: boolean; onRetry?: (label: string, attempt: number, waitMs: number, reason: string) => void }): Promise<StepContext> {
  const d = store.deployment;
  return {
    store,
    names: names(d),
    cloud: conn.cloud,
    azure: conn.azure,
    graph: conn.graph,
    clock: conn.clock,
    // The deployment's folder (where its file was found), not necessarily the working folder.
    cwd: dirname(store.path),
    dryRun: opts.dryRun ?? false,
    caller: conn.caller,
    options: { secret: opts.secret ?? true, secretEnvFile: envFileName(d) },
    retry: azureRetry(conn.clock, opts.onRetry),
  };
}

export async function runProvision(opts: ProvisionOptions, ctx: CliContext): Promise<void> {
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  const conn = await connect(store.deployment, ctx);
  const mode = progressMode({ json: opts.json, isTTY: ctx.isTTY, env: ctx.env });
  const progress = createProgress(mode, mode === 'json' ? ctx.stdout : ctx.stderr, PROVISION_STEPS);
  const sctx = await stepContext(store, conn, ctx, { ...opts, onRetry: progress.onRetry });

  // The secret's file is checked before anything is created: a link there is refused, not written through.
  if (sctx.options.secret && !sctx.dryRun) {
    await refuseNonRegular(join(sctx.cwd, sctx.options.secretEnvFile));
    const moved = await moveLegacyEnvLocal(sctx.cwd, store.deployment);
    if (moved) ctx.stderr.write(`${moved}\n`);
  }
  await preflight(sctx);
  const results = await runPlan(PROVISION_STEPS, sctx, { concurrency: opts.concurrency, onEvent: progress.onEvent });
  progress.stop();

  const failed = results.filter((r) => r.status === 'failed' || r.status === 'blocked');
  let consent: PermissionStatus[] | undefined;
  let consentError: McpOboError | undefined;
  if (opts.consent && !opts.dryRun && failed.length === 0) {
    const d = store.deployment;
    try {
      consent = await grantConsent({ graph: conn.graph, clientSpId: d.resources.servicePrincipal!.objectId, appId: d.resources.application!.appId, tenantId: d.tenantId, authorityHost: conn.cloud.authorityHost, retry: sctx.retry });
    } catch (err) {
      consentError = explain(err);
    }
  }
  printSummary({ results, deployment: store.deployment, path: store.path, dryRun: opts.dryRun ?? false, json: opts.json ?? false, consent, out: ctx.stdout });
  if (failed.length) throw failure(failed);
  if (consentError) throw consentError;
}

function failure(failed: StepResult[]): McpOboError {
  const first = failed.find((r) => r.error);
  const advice = first?.error ? explain(first.error) : undefined;
  const lines = failed.map((r) => `${r.step.title}: ${r.error ? explain(r.error).message : 'not started (a step it needs failed)'}`);
  return new McpOboError(`provisioning did not finish:\n  - ${lines.join('\n  - ')}`, {
    suggestion: `${advice?.suggestion ? `${advice.suggestion} ` : ''}What finished is saved; rerun \`mcp-obo provision\` to complete the rest.`,
    cause: first?.error,
  });
}
