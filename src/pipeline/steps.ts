/**
 * `pipeline github` as a plan, run by the same runner as `provision` (dry run, progress, resume):
 * the identity, its federated credentials, its roles, (with --can-provision) its Microsoft Graph
 * permissions, the workflow file and the repository variable. Each step plans (reads only), then applies.
 */
import { relative } from 'node:path';
import type { Planned, Step, StepContext } from '../plan/types.ts';
import { codeOf } from '../azure/errors.ts';
import { need, stableUuid } from '../plan/steps/util.ts';
import { applicationDeployer, credentialChanges, managedIdentityDeployer, type Deployer, type DeployerApi, type DeployerKind } from './deployer.ts';
import { fullName, type Gh, type GithubRepo } from './github.ts';
import { GITHUB_ISSUER, OUR_CREDENTIAL, type Subject } from './subjects.ts';
import { planWorkflow, writeWorkflow } from './workflow.ts';
import { grantGraphPermissions, planGraphPermissions } from './graph-permissions.ts';

export const ROLES = {
  contributor: { id: 'b24988ac-6180-42a0-ab88-20f7382dd24c', name: 'Contributor' },
  rbacAdministrator: { id: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168', name: 'Role Based Access Control Administrator' },
} as const;

export interface PipelineConfig {
  kind: DeployerKind;
  repo: GithubRepo;
  subjects: Subject[];
  audience: string;
  canProvision: boolean;
  workflow: { path: string; display: string; content: string; force: boolean };
  variable: string;
  gh: Gh;
  /** Why gh cannot set the variable (then it is printed), or undefined. */
  ghUnavailable: string | undefined;
}

/** What the run found or did beyond the step actions, for the result. */
export interface PipelineOutcome {
  deployer?: Deployer;
  graphPermissions: { permission: string; status: 'granted' | 'missing' | 'planned' }[];
  variableSet: boolean;
}

const apiFor = (ctx: StepContext, kind: DeployerKind): DeployerApi => (kind === 'application' ? applicationDeployer(ctx) : managedIdentityDeployer(ctx));

export function roleScope(ctx: StepContext): string {
  return need(ctx.store.deployment.resources.resourceGroup, 'the resource group').id;
}

export function wantedRoles(canProvision: boolean) {
  return canProvision ? [ROLES.contributor, ROLES.rbacAdministrator] : [ROLES.contributor];
}

async function assignedRoles(ctx: StepContext, principalId: string): Promise<Map<string, string>> {
  const scope = roleScope(ctx);
  const client = await ctx.azure.authorization();
  const out = new Map<string, string>();
  for await (const ra of client.roleAssignments.listForScope(scope.replace(/^\//, ''), { filter: `principalId eq '${principalId}'` })) {
    if (ra.scope?.toLowerCase() !== scope.toLowerCase()) continue;
    const role = ra.roleDefinitionId?.split('/').pop()?.toLowerCase();
    if (role) out.set(role, ra.id!);
  }
  return out;
}

export function pipelineSteps(cfg: PipelineConfig, outcome: PipelineOutcome): Step[] {
  const current = async (ctx: StepContext) => (outcome.deployer ??= await apiFor(ctx, cfg.kind).find());
  const wantedCredentials = () => cfg.subjects.map((s) => ({ name: s.name, issuer: GITHUB_ISSUER, subject: s.subject, audiences: [cfg.audience] }));
  const save = (ctx: StepContext, patch: Partial<NonNullable<StepContext['store']['deployment']['resources']['pipeline']>>) => {
    const d = outcome.deployer!;
    const prev = ctx.store.deployment.resources.pipeline;
    const base = prev?.id === d.id ? prev : { subjects: [], roleAssignments: [] };
    return ctx.store.setResource('pipeline', { ...base, provider: 'github', repository: fullName(cfg.repo), kind: d.kind, name: d.name, id: d.id, clientId: d.clientId, principalId: d.principalId, ...patch });
  };

  const identity: Step = {
    id: 'pipelineIdentity',
    title: cfg.kind === 'application' ? 'pipeline app registration' : 'pipeline managed identity',
    dependsOn: [],
    plane: cfg.kind === 'application' ? 'entra' : 'arm',
    async plan(ctx) {
      const d = await current(ctx);
      return d ? { action: 'unchanged', detail: d.name } : { action: 'create', detail: apiFor(ctx, cfg.kind).name };
    },
    async apply(ctx) {
      outcome.deployer = (await current(ctx)) ?? (await apiFor(ctx, cfg.kind).create());
      await save(ctx, {});
    },
  };

  const credentials: Step = {
    id: 'pipelineCredentials',
    title: 'federated credentials for GitHub',
    dependsOn: ['pipelineIdentity'],
    plane: cfg.kind === 'application' ? 'entra' : 'arm',
    async plan(ctx): Promise<Planned> {
      const d = await current(ctx);
      if (!d) return { action: 'create', detail: cfg.subjects.map((s) => s.subject).join(', ') };
      const c = credentialChanges(wantedCredentials(), await apiFor(ctx, cfg.kind).credentials(d), OUR_CREDENTIAL);
      if (!c.put.length && !c.remove.length) return { action: 'unchanged' };
      return { action: 'update', detail: [...c.put.map((x) => `+ ${x.subject}`), ...c.remove.map((x) => `- ${x}`)].join(', ') };
    },
    async apply(ctx) {
      const d = need(outcome.deployer, 'the pipeline identity');
      const api = apiFor(ctx, cfg.kind);
      const c = credentialChanges(wantedCredentials(), await api.credentials(d), OUR_CREDENTIAL);
      // Removals first (a subject may move to another name), and one write at a time.
      for (const name of c.remove) await api.deleteCredential(d, name);
      for (const cred of c.put) await api.putCredential(d, cred);
      await save(ctx, { subjects: cfg.subjects.map((s) => s.subject) });
    },
  };

  const roles: Step = {
    id: 'pipelineRoles',
    title: `roles on resource group (${wantedRoles(cfg.canProvision).map((r) => r.name).join(', ')})`,
    dependsOn: ['pipelineIdentity'],
    plane: 'arm',
    async plan(ctx) {
      const d = await current(ctx);
      if (!d) return { action: 'create' };
      const have = await assignedRoles(ctx, d.principalId);
      const missing = wantedRoles(cfg.canProvision).filter((r) => !have.has(r.id));
      return missing.length ? { action: 'create', detail: missing.map((r) => r.name).join(', ') } : { action: 'unchanged' };
    },
    async apply(ctx) {
      const d = need(outcome.deployer, 'the pipeline identity');
      const scope = roleScope(ctx);
      const client = await ctx.azure.authorization();
      let have = await assignedRoles(ctx, d.principalId);
      for (const role of wantedRoles(cfg.canProvision).filter((r) => !have.has(r.id))) {
        const roleDefinitionId = `/subscriptions/${ctx.store.deployment.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`;
        try {
          // principalType: ARM then does not look up a principal made seconds ago; PrincipalNotFound is still retried.
          await ctx.retry(`${role.name} role assignment`, () => client.roleAssignments.create(scope.replace(/^\//, ''), stableUuid(scope, d.principalId, role.id), { roleDefinitionId, principalId: d.principalId, principalType: 'ServicePrincipal' }), { propagation: true });
        } catch (err) {
          if (codeOf(err) !== 'RoleAssignmentExists') throw err;
        }
      }
      have = await assignedRoles(ctx, d.principalId);
      await save(ctx, { roleAssignments: wantedRoles(cfg.canProvision).map((r) => have.get(r.id)).filter((x): x is string => Boolean(x)) });
    },
  };

  const graph: Step = {
    id: 'pipelineGraphPermissions',
    title: 'Microsoft Graph permissions and ownership (to provision)',
    dependsOn: ['pipelineIdentity'],
    plane: 'entra',
    async plan(ctx) {
      const d = await current(ctx);
      const p = await planGraphPermissions(ctx, d);
      outcome.graphPermissions = p.permissions.map((x) => ({ permission: x.permission, status: x.granted ? 'granted' : 'planned' }));
      return p.missing.length ? { action: 'create', detail: p.missing.join(', ') } : { action: 'unchanged' };
    },
    async apply(ctx) {
      outcome.graphPermissions = await grantGraphPermissions(ctx, need(outcome.deployer, 'the pipeline identity'));
    },
  };

  const workflow: Step = {
    id: 'pipelineWorkflow',
    title: `workflow ${cfg.workflow.display}`,
    dependsOn: ['pipelineIdentity'],
    plane: 'arm',
    async plan() {
      return { action: await planWorkflow(cfg.workflow.path, cfg.workflow.content, cfg.workflow.force) };
    },
    async apply(ctx, planned) {
      if (planned.action !== 'unchanged') await writeWorkflow(cfg.workflow.path, cfg.workflow.content);
      if (outcome.deployer) await save(ctx, { workflow: relative(ctx.cwd, cfg.workflow.path) });
    },
  };

  const variable: Step = {
    id: 'pipelineVariable',
    title: `repository variable ${cfg.variable}`,
    dependsOn: ['pipelineIdentity'],
    plane: 'entra',
    async plan(ctx) {
      if (cfg.ghUnavailable) return { action: 'skip', detail: `${cfg.ghUnavailable}: set it by hand` };
      const d = await current(ctx);
      const value = await cfg.gh.getVariable(cfg.repo, cfg.variable);
      if (value === undefined) return { action: 'create' };
      return d && value === d.clientId ? { action: 'unchanged' } : { action: 'update' };
    },
    async apply(ctx, planned) {
      const d = need(outcome.deployer, 'the pipeline identity');
      if (planned.action === 'skip') return;
      if (planned.action !== 'unchanged') await cfg.gh.setVariable(cfg.repo, cfg.variable, d.clientId);
      outcome.variableSet = true;
      await save(ctx, { variable: cfg.variable });
    },
  };

  return [identity, credentials, roles, ...(cfg.canProvision ? [graph] : []), variable, workflow];
}
