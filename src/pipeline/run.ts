/**
 * `mcp-obo pipeline github`: the deployment's pipeline on GitHub Actions, set up in one command (the
 * azd `pipeline config` of this tool). Reads the repository from git, asks GitHub (through gh) how
 * its OIDC tokens name themselves, then plans and applies: the identity, its federated credentials
 * for the chosen branches / environment / pull requests, its roles, the workflow and the repository
 * variable. `--dry-run` shows all of it and changes nothing.
 */
import { relative } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import { createProgress, progressMode } from '../cli/progress.ts';
import type { PipelineResult } from '../contract/commands.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { explain } from '../azure/errors.ts';
import { runPlan } from '../plan/runner.ts';
import { connect } from '../provision/connect.ts';
import { stepContext } from '../provision/run.ts';
import { stepRow } from '../provision/summary.ts';
import { deploymentFileName } from '../state/deployment.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import type { Run } from '../token/acquire.ts';
import { deployerNames, type DeployerKind } from './deployer.ts';
import { committed, fullName, gitFacts, Gh, setVariableCommand } from './github.ts';
import { parseInstall } from './install.ts';
import { pipelineSteps, roleScope, wantedRoles, type PipelineOutcome } from './steps.ts';
import { subjectsFor } from './subjects.ts';
import { renderWorkflow, variableName, workflowPath } from './workflow.ts';

export interface PipelineOptions {
  deployment?: string;
  repo?: string;
  branch?: string[];
  environment?: string;
  pullRequest?: boolean;
  app?: boolean;
  canProvision?: boolean;
  install?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

export async function runPipelineGithub(o: PipelineOptions, ctx: CliContext, run: Run): Promise<void> {
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, o.deployment));
  const d = store.deployment;
  const missing = (['resourceGroup', 'application', 'servicePrincipal'] as const).filter((k) => !d.resources[k]);
  if (missing.length) throw new UsageError(`the deployment is not provisioned yet (missing: ${missing.join(', ')})`, { code: 'not-provisioned', suggestion: 'Run `mcp-obo provision` first; the pipeline deploys what it made.' });
  const install = o.install === undefined ? d.install : await parseInstall(o.install, ctx.cwd);
  if (install && o.install !== undefined && !o.dryRun) await store.update((x) => ({ ...x, install }));

  const git = await gitFacts(run, ctx.cwd, o.repo);
  const gh = new Gh(run);
  const ghUnavailable = await gh.unavailable();
  const format = await gh.subjectFormat(git.repo).catch((err: unknown) => {
    throw err instanceof McpOboError ? err : new McpOboError(`could not read the OIDC settings of ${fullName(git.repo)} from GitHub: ${(err as Error).message}`, { suggestion: 'Check `gh auth status` and that you can administer the repository.' });
  });
  const branches = o.branch?.length ? [...new Set(o.branch)] : [(await gh.defaultBranch(git.repo).catch(() => undefined)) ?? 'main'];
  const subjects = subjectsFor(format.prefix, { branches, environment: o.environment, pullRequest: Boolean(o.pullRequest) });
  const variable = variableName(d);
  const path = workflowPath(git.root, d);
  const content = await renderWorkflow({ deployment: { ...store.deployment, install }, workdir: git.workdir, branches, environment: o.environment, pullRequest: Boolean(o.pullRequest), variable });

  const conn = await connect(d, ctx);
  const mode = progressMode({ json: o.json, isTTY: ctx.isTTY, env: ctx.env });
  const kind: DeployerKind = o.app ? 'application' : 'managedIdentity';
  const cfg = { kind, repo: git.repo, subjects, audience: conn.cloud.tokenExchangeAudience, canProvision: Boolean(o.canProvision), workflow: { path, display: relative(ctx.cwd, path), content, force: Boolean(o.force) }, variable, gh, ghUnavailable };
  const outcome: PipelineOutcome = { graphPermissions: [], variableSet: false };
  const steps = pipelineSteps(cfg, outcome);
  const progress = createProgress(mode, mode === 'json' ? ctx.stdout : ctx.stderr, steps);
  const sctx = await stepContext(store, conn, ctx, { dryRun: o.dryRun, secret: false, onRetry: progress.onRetry });
  const results = await runPlan(steps, sctx, { concurrency: 1, onEvent: progress.onEvent });
  progress.stop();

  const deployer = outcome.deployer;
  const notes: string[] = [];
  const earlier = d.resources.pipeline;
  if (earlier && deployer && earlier.id !== deployer.id) notes.push(`the earlier pipeline identity ${earlier.name} still exists: delete it if nothing uses it (\`mcp-obo cleanup\` removes it with the deployment)`);
  if (format.source === 'assumed') notes.push(`${ghUnavailable}: the federated credentials use the name-based subject ${format.prefix}; repositories created after 15 July 2026 (or opted in) use immutable subjects with ids, and then sign-in fails with AADSTS700213. Rerun with gh signed in to read the real one.`);
  const file = deploymentFileName(d);
  if (!(await committed(run, ctx.cwd, file))) notes.push(`commit ${file}: the workflow deploys what it records`);
  if (!o.dryRun) notes.push(`commit ${relative(ctx.cwd, path)} and push to ${branches.join(', ')}${o.environment ? ` (the job runs in the environment "${o.environment}": create it in the repository's settings)` : ''} to deploy`);
  const result: PipelineResult = {
    provider: 'github',
    dryRun: Boolean(o.dryRun),
    repository: fullName(git.repo),
    identity: { kind, name: deployer?.name ?? deployerNames(sctx.names.slug)[kind], clientId: deployer?.clientId ?? null, principalId: deployer?.principalId ?? null, id: deployer?.id ?? null },
    subjects,
    subjectSource: format.source,
    roles: wantedRoles(cfg.canProvision).map((r) => ({ role: r.name, scope: roleScope(sctx) })),
    graphPermissions: outcome.graphPermissions,
    workflow: path,
    variable: { name: variable, set: outcome.variableSet, command: !outcome.variableSet && deployer ? setVariableCommand(git.repo, variable, deployer.clientId) : null },
    steps: results.map((r) => ({ id: r.step.id, title: r.step.title, status: r.status, action: r.planned?.action ?? null, detail: r.planned?.detail ?? null, error: r.error?.message ?? null })),
    notes,
  };
  const out = createOutput(ctx, { json: o.json, stream: true });
  const human = (r: PipelineResult) => render(r, ctx);
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'blocked');
  if (failed.length) {
    const first = failed.find((r) => r.error);
    const cause = first?.error ? explain(first.error, { subscriptionId: d.subscriptionId }) : undefined;
    const err = new McpOboError(`the pipeline is not fully set up:\n  - ${failed.map((r) => `${r.step.title}: ${r.error ? explain(r.error).message : 'not started (a step it needs failed)'}`).join('\n  - ')}`, {
      code: cause?.code === 'failed' || !cause ? 'pipeline-incomplete' : cause.code,
      suggestion: `${cause?.suggestion ? `${cause.suggestion} ` : ''}What was done is saved; rerun \`mcp-obo pipeline github\` to finish.`,
      cause: first?.error,
    });
    throw out.failed(result, err, human);
  }
  out.result(result, human);
}

function render(r: PipelineResult, ctx: CliContext): void {
  const w = Math.max(...r.steps.map((s) => s.title.length));
  ctx.stdout.write(`\n${r.dryRun ? 'Plan (nothing was changed)' : 'Pipeline'} for ${r.repository}:\n`);
  for (const s of r.steps) ctx.stdout.write(`${stepRow(s, r.dryRun, w)}\n`);
  ctx.stdout.write(`\nIdentity: ${r.identity.name}${r.identity.clientId ? ` (client id ${r.identity.clientId})` : ''}\nTrusted subjects:\n${r.subjects.map((s) => `  ${s.subject}`).join('\n')}\nRoles: ${r.roles.map((x) => `${x.role} on ${x.scope.split('/').pop()}`).join(', ')}\n`);
  if (r.graphPermissions.length) ctx.stdout.write(`Microsoft Graph: ${r.graphPermissions.map((p) => `${p.permission} (${p.status})`).join(', ')}\n`);
  if (r.variable.command) ctx.stdout.write(`Set the repository variable yourself:\n  ${r.variable.command}\n`);
  for (const n of r.notes) ctx.stderr.write(`Next: ${n}\n`);
}
