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
import { RequestTimeoutError } from '../azure/timeout.ts';
import { runPlan, type StepResult } from '../plan/runner.ts';
import { retry } from '../plan/retry.ts';
import { PROVISION_STEPS } from '../plan/steps/index.ts';
import type { Step, StepContext } from '../plan/types.ts';
import { names } from '../state/naming.ts';
import { DeploymentStore, locateDeployment, refuseNonRegular } from '../state/store.ts';
import { DEFAULT_SECRET_DAYS } from '../plan/steps/client-secret.ts';
import { envFileName } from '../state/env-local.ts';
import { moveLegacyEnvLocal } from '../state/env-migrate.ts';
import { connect, type Connection } from './connect.ts';
import { preflight } from './preflight.ts';
import { missingRights } from './rights.ts';
import { grantConsent, type PermissionStatus } from './consent.ts';
import { renderSummary, summaryOf } from './summary.ts';
import { createOutput } from '../cli/output.ts';
import { nonInteractive, type Prompter } from '../cli/prompts.ts';
import { planToolPermissions } from './tool-permissions.ts';
import { consentPlan } from './tool-consent.ts';
import { nextAfter, printNext } from '../overview/next.ts';

export interface ProvisionOptions {
  deployment?: string;
  dryRun?: boolean;
  json?: boolean;
  /** false with --no-secret */
  secret?: boolean;
  /** Lifetime of a new client secret in days (--secret-days). */
  secretDays?: number;
  consent?: boolean;
  /** Steps at once; 1 runs them one after another. */
  concurrency?: number;
  /** Take off, without asking, permissions mcp-obo added for tools no longer enabled. */
  prunePermissions?: boolean;
  /** Asks whether to take those off (on a terminal). */
  prompter?: Prompter;
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

export async function stepContext(
  store: DeploymentStore,
  conn: Connection,
  ctx: CliContext,
  opts: { dryRun?: boolean; secret?: boolean; secretDays?: number; consent?: boolean; onRetry?: (label: string, attempt: number, waitMs: number, reason: string) => void; notes?: string[] },
): Promise<StepContext> {
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
    options: { secret: opts.secret ?? true, secretEnvFile: envFileName(d), secretDays: opts.secretDays ?? DEFAULT_SECRET_DAYS, consent: opts.consent },
    retry: azureRetry(conn.clock, opts.onRetry),
    note: (text) => void (opts.notes?.includes(text) || opts.notes?.push(text)),
  };
}

export async function runProvision(opts: ProvisionOptions, ctx: CliContext): Promise<void> {
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  const conn = await connect(store.deployment, ctx);
  const mode = progressMode({ json: opts.json, isTTY: ctx.isTTY, env: ctx.env });
  const progress = createProgress(mode, mode === 'json' ? ctx.stdout : ctx.stderr, PROVISION_STEPS);
  const notes: string[] = [];
  const sctx = await stepContext(store, conn, ctx, { ...opts, onRetry: progress.onRetry, notes });

  // The secret's file is checked before anything is created: a link there is refused, not written through.
  if (sctx.options.secret && !sctx.dryRun) {
    await refuseNonRegular(join(sctx.cwd, sctx.options.secretEnvFile));
    const moved = await moveLegacyEnvLocal(sctx.cwd, store.deployment);
    if (moved) ctx.stderr.write(`${moved}\n`);
  }
  await preflight(sctx);
  // The tools decide the app registration's API permissions, resolved by name in the tenant (reads only here).
  const toolOptions = { prune: opts.prunePermissions, prompter: opts.prompter ?? nonInteractive, warn: (line: string) => sctx.note(line) };
  sctx.permissions = await planToolPermissions(sctx, { ...toolOptions, create: false });
  const runOptions = {
    concurrency: opts.concurrency,
    // A request that never answered (after its own retries, for those safe to repeat): run the step again.
    rerunOn: (err: unknown) => err instanceof RequestTimeoutError,
    reruns: 2,
    onRerun: (step: Step, attempt: number, err: Error) => progress.onRetry(step.title, attempt, 0, `${err.message}; running the step again`),
  };
  // The plan first (reads only): it says what will be created or changed, so which rights are needed.
  const plan = await runPlan(PROVISION_STEPS, { ...sctx, dryRun: true }, { ...runOptions, onEvent: opts.dryRun ? progress.onEvent : undefined });
  const missing = await missingRights(sctx, (id) => plan.find((r) => r.step.id === id)?.planned);
  const lacking = missing.length
    ? new McpOboError(`cannot provision: your account lacks ${missing.length === 1 ? 'a right' : 'rights'} this run needs:\n  - ${missing.join('\n  - ')}`, {
        code: 'rights-missing',
        suggestion: `Nothing was ${opts.dryRun ? 'changed' : 'created'}. Get ${missing.length === 1 ? 'it' : 'them'} (README: "Permissions"), or have someone who has them run \`mcp-obo provision\`.`,
      })
    : undefined;
  if (lacking && !opts.dryRun) throw lacking;
  if (!opts.dryRun && sctx.permissions.resolved.some((r) => !r.spId)) {
    // An API the tools use has no service principal in the tenant yet (Azure DevOps often): made now, after the checks.
    sctx.permissions = await planToolPermissions(sctx, { create: true, prune: sctx.permissions.prune, prompter: nonInteractive, warn: () => {} });
  }
  const results = opts.dryRun ? plan : await runPlan(PROVISION_STEPS, sctx, { ...runOptions, onEvent: progress.onEvent });
  progress.stop();

  const failed = results.filter((r) => r.status === 'failed' || r.status === 'blocked');
  let consent: PermissionStatus[] | undefined;
  let consentError: McpOboError | undefined;
  if (opts.consent && !opts.dryRun && failed.length === 0) {
    const d = store.deployment;
    try {
      const plan = await consentPlan(conn.graph, store, { create: true, retry: sctx.retry });
      consent = await grantConsent({ graph: conn.graph, clientSpId: d.resources.servicePrincipal!.objectId, appId: d.resources.application!.appId, tenantId: d.tenantId, authorityHost: conn.cloud.authorityHost, retry: sctx.retry, ...plan });
    } catch (err) {
      consentError = explain(err);
    }
  }
  const out = createOutput(ctx, { json: opts.json, stream: true });
  const result = summaryOf({ results, deployment: store.deployment, path: store.path, dryRun: opts.dryRun ?? false, consent, notes });
  const human = (r: typeof result) => renderSummary(r, store.deployment, ctx.stdout);
  const error = failed.length ? failure(failed, opts.dryRun ?? false) : (lacking ?? consentError);
  if (error) throw out.failed(result, error, human);
  out.result(result, (r) => {
    human(r);
    if (!r.dryRun) printNext(nextAfter('provision', store.deployment, store.path, { consented: Boolean(consent?.every((p) => p.status === 'granted')) }), ctx.stderr);
  });
}

function failure(failed: StepResult[], dryRun: boolean): McpOboError {
  const first = failed.find((r) => r.error);
  const advice = first?.error ? explain(first.error) : undefined;
  const lines = failed.map((r) => `${r.step.title}: ${r.error ? explain(r.error).message : 'not started (a step it needs failed)'}`);
  return new McpOboError(`${dryRun ? 'the plan could not be made for every step' : 'provisioning did not finish'}:\n  - ${lines.join('\n  - ')}`, {
    code: dryRun ? 'plan-incomplete' : 'provision-incomplete',
    suggestion: `${advice?.suggestion ? `${advice.suggestion} ` : ''}${dryRun ? 'Nothing was changed.' : 'What finished is saved; rerun `mcp-obo provision` to complete the rest.'}`,
    cause: first?.error,
  });
}
