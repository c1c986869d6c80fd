/**
 * `mcp-obo init` as a command: the deployment file (init.ts), how mcp-obo was installed (so a
 * pipeline installs the same), the GitHub workflow when asked, and the result.
 */
import { isDeepStrictEqual } from 'node:util';
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import type { Prompter } from '../cli/prompts.ts';
import type { InitResult } from '../contract/commands.ts';
import { UsageError } from '../errors.ts';
import { detectInstall } from '../pipeline/install.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { deploymentFileName } from '../state/deployment.ts';
import { DeploymentStore } from '../state/store.ts';
import type { Run } from '../token/acquire.ts';
import { VERSION } from '../version.ts';
import { runInit, type Catalog, type InitOptions } from './init.ts';

export interface InitCommandOptions extends InitOptions {
  githubWorkflow?: boolean;
}

export async function runInitCommand(opts: InitCommandOptions, ctx: CliContext, deps: { prompter: Prompter; catalog?: Catalog; run: Run }): Promise<void> {
  const out = createOutput(ctx, { json: opts.json, stream: false });
  const detected = await detectInstall({ packageRoot: PACKAGE_ROOT, version: VERSION, run: deps.run }, ctx.cwd);
  // The workflow installs mcp-obo as it was installed here: without knowing how, write nothing at all.
  if (opts.githubWorkflow && !detected.install) {
    throw new UsageError(`--github-workflow: cannot tell how mcp-obo was installed (${detected.reason}), so the workflow would not know how to install it`, {
      suggestion: 'Install mcp-obo from the registry, a tarball or a pushed checkout (README: "Installing"), or run `mcp-obo pipeline github --install <spec>` later. Nothing was written.',
    });
  }
  const d = await runInit(opts, ctx, deps.prompter, deps.catalog);
  const store = await DeploymentStore.open(DeploymentStore.defaultPath(ctx.cwd, d));
  if (detected.install && !isDeepStrictEqual(store.deployment.install, detected.install)) await store.update((x) => ({ ...x, install: detected.install }));
  const notes = detected.install ? detected.warnings : [`cannot tell how mcp-obo was installed (${detected.reason}); a pipeline will need it installed from the registry, a repository or a tarball`];
  for (const n of notes) ctx.stderr.write(`note: ${n}\n`);

  let workflow: string | null = null;
  if (opts.githubWorkflow) {
    // The workflow alone, for the default branch; `mcp-obo pipeline github` also makes the identity it signs in as.
    const [{ planWorkflow, renderWorkflow, variableName, workflowPath, writeWorkflow }, { gitRoot }] = await Promise.all([import('../pipeline/workflow.ts'), import('../pipeline/github.ts')]);
    const { root, workdir } = await gitRoot(deps.run, ctx.cwd);
    const content = await renderWorkflow({ deployment: store.deployment, workdir, branches: ['main'], pullRequest: false, variable: variableName(store.deployment) });
    workflow = workflowPath(root, store.deployment);
    if ((await planWorkflow(workflow, content, Boolean(opts.force))) !== 'unchanged') await writeWorkflow(workflow, content);
  }
  const x = store.deployment;
  const result: InitResult = {
    deployment: { name: `${x.prefix}-${x.env}`, file: store.path, id: x.id, prefix: x.prefix, env: x.env, tenantId: x.tenantId, subscriptionId: x.subscriptionId, location: x.location, cloud: x.cloud },
    install: x.install ?? null,
    workflow,
  };
  out.result(result, (r) => {
    if (r.workflow) ctx.stderr.write(`wrote ${r.workflow} (see its comments; \`mcp-obo pipeline github\` creates the identity it signs in as)\n`);
    ctx.stdout.write(`Deployment ${r.deployment.prefix}-${r.deployment.env}-${r.deployment.id} (${r.deployment.location}) written to ${deploymentFileName(r.deployment)}\n`);
    ctx.stderr.write('Next: mcp-obo provision\n');
  });
}
