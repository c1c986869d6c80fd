/**
 * Checks made before `provision` plans anything: the subscription is reachable, the region offers
 * Container Apps, the registry name is free, the caller can read app registrations, and an app
 * registration or group found by name (not by saved id) is safe to adopt. The rights
 * the plan then needs are checked by rights.ts. Every problem found is reported at once; none of the
 * checks writes.
 */
import { McpOboError } from '../errors.ts';
import { codeOf, explain, isNotFound } from '../azure/errors.ts';
import type { StepContext } from '../plan/types.ts';
import { findApplication } from '../plan/steps/application.ts';
import { AdoptionRefusedError, checkAppAdoption, checkGroupAdoption } from '../plan/steps/adopt.ts';
import { findGroup } from '../plan/steps/group.ts';
import { optional } from '../plan/steps/util.ts';

type Check = () => Promise<string | undefined>;

export async function preflight(ctx: StepContext): Promise<void> {
  const d = ctx.store.deployment;
  const checks: Check[] = [
    async () => {
      try {
        const sub = await (await ctx.azure.subscriptions()).subscriptions.get(d.subscriptionId);
        if (sub.state && sub.state !== 'Enabled') return `subscription ${d.subscriptionId} is ${sub.state}`;
      } catch (err) {
        const e = explain(err, { subscriptionId: d.subscriptionId, action: 'reading the subscription' });
        return e.suggestion ? `${e.message}. ${e.suggestion}` : e.message;
      }
      return undefined;
    },
    async () => {
      const provider = await (await ctx.azure.resources()).providers.get('Microsoft.App');
      const type = provider.resourceTypes?.find((t) => t.resourceType?.toLowerCase() === 'managedenvironments');
      const regions = (type?.locations ?? []).map((l) => l.toLowerCase().replace(/\s/g, ''));
      if (regions.length && !regions.includes(d.location)) {
        return `region ${d.location} does not offer Azure Container Apps; choose one of: ${regions.slice(0, 12).join(', ')}${regions.length > 12 ? ', …' : ''} (\`mcp-obo init --force --location <region>\`)`;
      }
      return undefined;
    },
    async () => {
      const registry = await optional(async () => (await ctx.azure.registry()).registries.get(ctx.names.resourceGroup, ctx.names.registry));
      if (registry) return undefined; // ours already
      const check = await (await ctx.azure.registry()).registries.checkNameAvailability({ name: ctx.names.registry, type: 'Microsoft.ContainerRegistry/registries' });
      if (check.nameAvailable === false) {
        return `registry name ${ctx.names.registry} is not available (${check.reason ?? 'taken'}${check.message ? `: ${check.message}` : ''}); choose another id with \`mcp-obo init --force --id <new id>\``;
      }
      return undefined;
    },
    async () => {
      let found;
      try {
        found = await findApplication(ctx);
      } catch (err) {
        if (codeOf(err) === 'Authorization_RequestDenied') return `${DENIED} (it cannot even read app registrations)`;
        throw err;
      }
      // Found by name, not by the saved id: someone may have planted it (adopt.ts).
      if (found?.byName) await checkAppAdoption(ctx, found.app);
      return undefined;
    },
    async () => {
      const found = await findGroup(ctx).catch((err: unknown) => (codeOf(err) === 'Authorization_RequestDenied' ? undefined : Promise.reject(err)));
      if (found?.byName) await checkGroupAdoption(ctx, found.group);
      return undefined;
    },
  ];
  const advice = new Set<string>();
  const problem = (err: unknown) => {
    if (isNotFound(err)) return undefined;
    if (err instanceof AdoptionRefusedError && err.suggestion) advice.add(err.suggestion);
    return explain(err).message;
  };
  // Each check is read-only: retried like any read (throttling, 5xx, a request that did not answer).
  const problems = (await Promise.all(checks.map((c) => ctx.retry('preflight', c).catch(problem)))).filter(Boolean);
  if (problems.length) {
    throw new McpOboError(`cannot provision: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`, {
      suggestion: advice.size ? [...advice].join(' ') : 'Nothing was created. Fix the above and rerun `mcp-obo provision`.',
    });
  }
}

const DENIED = 'your account cannot create app registrations in this tenant: ask an administrator for the Application Developer role, or to run `mcp-obo provision`';
