/**
 * `mcp-obo init`: chooses tenant, subscription, region, prefix and environment (flags, then
 * environment variables, then questions on a terminal) and writes the deployment file. With
 * every value given it makes no Azure call at all, so CI can run it offline.
 */
import { existsSync } from 'node:fs';
import type { CliContext } from '../cli/context.ts';
import type { Choice, Prompter } from '../cli/prompts.ts';
import { resolveCloud } from '../cloud.ts';
import { UsageError } from '../errors.ts';
import { DeploymentSchema, type Deployment } from '../state/deployment.ts';
import { ENV, GUID, ID, PREFIX, newDeploymentId, validateGuid, validateKey } from '../state/naming.ts';
import { validateRegion } from '../state/regions.ts';
import { DeploymentStore, readDeployment, writeFileAtomic } from '../state/store.ts';

export interface InitOptions {
  tenant?: string;
  subscription?: string;
  location?: string;
  prefix?: string;
  env?: string;
  id?: string;
  cloud?: string;
  force?: boolean;
  json?: boolean;
}

/** Lists what the signed-in account can see, for the questions; absent when not signed in. */
export interface Catalog {
  subscriptions(): Promise<{ id: string; name: string; tenantId: string }[]>;
  regions(subscriptionId: string): Promise<string[]>;
}

export async function runInit(opts: InitOptions, ctx: CliContext, prompter: Prompter, catalog?: Catalog): Promise<Deployment> {
  const env = ctx.env;
  const cloud = resolveCloud(opts.cloud, env);
  let subscription = opts.subscription ?? env.MCP_OBO_SUBSCRIPTION ?? env.AZURE_SUBSCRIPTION_ID;
  let tenant = opts.tenant ?? env.MCP_OBO_TENANT ?? env.AZURE_TENANT_ID;
  let location = opts.location ?? env.MCP_OBO_LOCATION;
  let prefix = opts.prefix ?? env.MCP_OBO_PREFIX;
  let envName = opts.env ?? env.MCP_OBO_ENV;
  const id = opts.id ?? env.MCP_OBO_ID ?? newDeploymentId();

  // Validate what was given before asking anything, so a typo fails at once (exit 2).
  if (subscription !== undefined) subscription = validateGuid('--subscription', subscription);
  if (tenant !== undefined) tenant = validateGuid('--tenant', tenant);
  if (location !== undefined) location = validateRegion(location);
  validateKey({ prefix: prefix ?? 'ok', env: envName ?? 'ok', id });

  if (subscription === undefined && prompter.interactive && catalog) {
    const subs = await catalog.subscriptions().catch(() => []);
    if (subs.length) {
      const choices: Choice<{ id: string; tenantId: string }>[] = subs.map((s) => ({ name: `${s.name} (${s.id})`, value: s, description: `tenant ${s.tenantId}` }));
      const chosen = await prompter.select({ message: 'Subscription', choices, flag: '--subscription' });
      subscription = chosen.id;
      tenant ??= chosen.tenantId;
    }
  }
  tenant ??= validateGuid('--tenant', await prompter.input({ message: 'Tenant ID', flag: '--tenant', validate: (v) => GUID.test(v) || 'a GUID' }));
  subscription ??= validateGuid('--subscription', await prompter.input({ message: 'Subscription ID', flag: '--subscription', validate: (v) => GUID.test(v) || 'a GUID' }));
  if (location === undefined) {
    const regions = prompter.interactive && catalog ? await catalog.regions(subscription).catch(() => []) : [];
    location = validateRegion(
      regions.length
        ? await prompter.select({ message: 'Region (regions offering Container Apps)', choices: regions.map((r) => ({ name: r, value: r })), default: regions.includes('eastus') ? 'eastus' : undefined, flag: '--location' })
        : await prompter.input({ message: 'Region', default: 'eastus', flag: '--location' }),
    );
  }
  prefix ??= await prompter.input({ message: 'Prefix (2-8 lower-case letters and digits)', default: 'mcpobo', flag: '--prefix', validate: (v) => PREFIX.test(v) || '2-8 lower-case letters and digits, starting with a letter' });
  envName ??= await prompter.input({ message: 'Environment (dev, stg, prd, ...)', default: 'dev', flag: '--env', validate: (v) => ENV.test(v) || '2-6 lower-case letters and digits' });
  const key = validateKey({ prefix, env: envName, id });
  if (!ID.test(key.id)) throw new UsageError(`--id "${key.id}" is not valid`);

  const path = DeploymentStore.defaultPath(ctx.cwd, key);
  const deployment: Deployment = DeploymentSchema.parse({
    version: 1,
    ...key,
    tenantId: tenant,
    subscriptionId: subscription,
    location,
    cloud: cloud.name,
    createdAt: new Date().toISOString(),
    resources: {},
  });

  if (existsSync(path)) {
    const existing = await readDeployment(path);
    const same = existing.tenantId === deployment.tenantId && existing.subscriptionId === deployment.subscriptionId && existing.location === deployment.location && existing.id === deployment.id && existing.cloud === deployment.cloud;
    if (same || (opts.id === undefined && !opts.force && sameExceptId(existing, deployment))) return existing;
    if (!opts.force) {
      throw new UsageError(`${path} already exists for deployment ${existing.prefix}-${existing.env}-${existing.id} with other settings`, {
        suggestion: 'It records what was provisioned: run `mcp-obo cleanup` first, choose another --prefix/--env, or pass --force to overwrite it.',
      });
    }
  }
  await writeFileAtomic(path, JSON.stringify(deployment, null, 2) + '\n');
  return deployment;
}

function sameExceptId(a: Deployment, b: Deployment): boolean {
  return a.tenantId === b.tenantId && a.subscriptionId === b.subscriptionId && a.location === b.location && a.cloud === b.cloud;
}
