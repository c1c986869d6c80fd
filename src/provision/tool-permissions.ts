/**
 * Before the plan runs: the permissions the deployment's tools need, resolved by name in the tenant,
 * and the decision about permissions mcp-obo added for tools that are gone (asked on a terminal,
 * `--prune-permissions` otherwise; kept and named when neither).
 */
import type { Prompter } from '../cli/prompts.ts';
import type { StepContext } from '../plan/types.ts';
import { publishedBy, resolvePermissions } from '../permissions/resolve.ts';
import { unneededPermissions, type PermissionPlan } from '../permissions/plan.ts';
import { wantedPermissions } from '../permissions/wanted.ts';
import { loadTools } from '../tools/load.ts';
import { projectTools } from '../tools/project.ts';

export interface ToolPermissionOptions {
  /** --prune-permissions: take off, without asking, what mcp-obo added for tools that are gone. */
  prune?: boolean;
  prompter: Prompter;
  /** Where the note about kept permissions goes. */
  warn(line: string): void;
  /** Create a missing first-party service principal (only after preflight and the rights check). */
  create: boolean;
}

export async function planToolPermissions(sctx: StepContext, o: ToolPermissionOptions): Promise<PermissionPlan> {
  const tools = projectTools(sctx.store.path, sctx.store.deployment);
  const sources = await loadTools({ ...tools, cwd: tools.root });
  const resolved = await resolvePermissions(sctx.graph, wantedPermissions(sources), { create: o.create, retry: sctx.retry });
  const applied = sctx.store.deployment.resources.application?.permissions;
  const names = new Map<string, { displayName: string; published: { id: string; value: string }[] } | undefined>();
  for (const appId of Object.keys(applied ?? {})) {
    const known = resolved.find((r) => r.resourceAppId === appId && r.published.length);
    names.set(appId, known ? { displayName: known.displayName, published: known.published } : await publishedBy(sctx.graph, appId));
  }
  const unneeded = unneededPermissions(applied, resolved, (appId, id) => {
    const n = names.get(appId);
    return { api: n?.displayName ?? appId, permission: n?.published.find((p) => p.id === id)?.value ?? id };
  });
  let prune = false;
  if (unneeded.length) {
    const list = unneeded.map((u) => `${u.api} ${u.permission}`).join(', ');
    if (o.prune) prune = true;
    else if (o.prompter.interactive && !sctx.dryRun) prune = await o.prompter.confirm({ message: `No enabled tool needs ${list} any more. Remove them from the app registration?`, default: true, flag: '--prune-permissions' });
    if (!prune) o.warn(`kept ${list} on the app registration though no enabled tool needs them; \`mcp-obo provision --prune-permissions\` removes them`);
  }
  return { resolved, unneeded, prune };
}
