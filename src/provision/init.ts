/**
 * `mcp-obo init`: chooses tenant, subscription, region, prefix and environment (flags, then
 * environment variables, then the deployments already here, then questions on a terminal) and
 * writes the deployment file next to them. With every value given it makes no Azure call at all,
 * so CI can run it offline. A deployment file that records resources is never replaced unless
 * they are knowingly abandoned (--force --abandon): they would keep running and billing unseen.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import type { Choice, Prompter } from '../cli/prompts.ts';
import { resolveCloud } from '../cloud.ts';
import { UsageError } from '../errors.ts';
import { DeploymentSchema, type Deployment } from '../state/deployment.ts';
import { ENV, GUID, ID, PREFIX, newDeploymentId, validateGuid, validateKey } from '../state/naming.ts';
import { validateRegion } from '../state/regions.ts';
import { findDeploymentFolder } from '../state/locate.ts';
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
  /** With --force: replace a deployment file that records resources, leaving them in Azure. */
  abandon?: boolean;
  json?: boolean;
}

/** Lists what the signed-in account can see, for the questions; absent when not signed in. */
export interface Catalog {
  subscriptions(): Promise<{ id: string; name: string; tenantId: string }[]>;
  regions(subscriptionId: string): Promise<string[]>;
}

export async function runInit(opts: InitOptions, ctx: CliContext, prompter: Prompter, catalog?: Catalog): Promise<Deployment> {
  const env = ctx.env;
  if (opts.abandon && !opts.force) throw new UsageError('--abandon goes with --force: it lets --force replace a deployment whose resources exist');
  // New deployments go beside the ones already here, and start from their settings.
  const here = await deploymentsHere(ctx.cwd);
  const base = prefill(here.deployments, env, opts);
  const cloud = resolveCloud(opts.cloud ?? base.cloud, env);
  let subscription = opts.subscription ?? env.MCP_OBO_SUBSCRIPTION ?? env.AZURE_SUBSCRIPTION_ID ?? base.subscriptionId;
  let tenant = opts.tenant ?? env.MCP_OBO_TENANT ?? env.AZURE_TENANT_ID ?? base.tenantId;
  let location = opts.location ?? env.MCP_OBO_LOCATION ?? base.location;
  let prefix = opts.prefix ?? env.MCP_OBO_PREFIX ?? base.prefix;
  let envName = opts.env ?? env.MCP_OBO_ENV ?? base.env;
  const givenId = opts.id ?? env.MCP_OBO_ID;
  if (base.from) ctx.stderr.write(`${base.used.join(', ')} from ${base.from} (flags change them)\n`);

  // Validate what was given before asking anything, so a typo fails at once (exit 2).
  if (subscription !== undefined) subscription = validateGuid('--subscription', subscription);
  if (tenant !== undefined) tenant = validateGuid('--tenant', tenant);
  if (location !== undefined) location = validateRegion(location);
  validateKey({ prefix: prefix ?? 'ok', env: envName ?? 'ok', id: givenId ?? 'ok00' });

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
  const path = DeploymentStore.defaultPath(here.dir, { prefix, env: envName });
  // The same deployment keeps its id unless told otherwise; a new one gets a random id.
  const existingFile = existsSync(path) ? await readDeployment(path) : undefined;
  const key = validateKey({ prefix, env: envName, id: givenId ?? existingFile?.id ?? newDeploymentId() });
  if (!ID.test(key.id)) throw new UsageError(`--id "${key.id}" is not valid`);
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

  if (existingFile) {
    const existing = existingFile;
    const same = existing.tenantId === deployment.tenantId && existing.subscriptionId === deployment.subscriptionId && existing.location === deployment.location && existing.id === deployment.id && existing.cloud === deployment.cloud;
    if (same) return existing;
    const name = `${existing.prefix}-${existing.env}`;
    const made = recorded(existing);
    if (!opts.force) {
      throw new UsageError(`${path} already exists for deployment ${name}-${existing.id} with other settings`, {
        suggestion: made.length
          ? `It records what was provisioned (${made.join(', ')}): remove that first with \`mcp-obo cleanup --deployment ${name}\`, or choose another --env.`
          : `Nothing was provisioned for it yet: replace it with \`mcp-obo init --force\` and your flags, or choose another --env.`,
      });
    }
    // Same id, tenant and subscription: provision finds the resources again by their names. Otherwise they are left behind.
    const abandons = made.length > 0 && (existing.id !== deployment.id || existing.tenantId !== deployment.tenantId || existing.subscriptionId !== deployment.subscriptionId);
    if (abandons && !opts.abandon) {
      throw new UsageError(`deployment ${name}-${existing.id} has resources (${made.join(', ')}): --force would forget them while they keep running and billing`, {
        suggestion: `Remove them first: \`mcp-obo cleanup --deployment ${name}\`, then init again. Or add --abandon to start anew and leave them (\`mcp-obo cleanup --id ${existing.id} --tenant ${existing.tenantId} --subscription ${existing.subscriptionId}\` removes them later).`,
      });
    }
    if (abandons) {
      ctx.stderr.write(
        `Abandoned deployment ${name}-${existing.id}: its resources (${made.join(', ')}) stay in Azure and Entra, and keep billing.\n` +
          `  Remove them later with: mcp-obo cleanup --id ${existing.id} --tenant ${existing.tenantId} --subscription ${existing.subscriptionId}\n`,
      );
    }
  }
  // Corrected settings of the same deployment (same id, tenant, subscription) keep what it records.
  const kept = existingFile && existingFile.id === deployment.id && existingFile.tenantId === deployment.tenantId && existingFile.subscriptionId === deployment.subscriptionId;
  const written = kept ? DeploymentSchema.parse({ ...existingFile, location: deployment.location, cloud: deployment.cloud, updatedAt: deployment.createdAt }) : deployment;
  await writeFileAtomic(path, JSON.stringify(written, null, 2) + '\n');
  return written;
}

/** What a deployment file says exists in Azure and Entra, in words. */
function recorded(d: Deployment): string[] {
  const r = d.resources;
  return [
    r.resourceGroup && `resource group ${r.resourceGroup.name}`,
    r.application && `app registration ${r.application.displayName}`,
    r.group && `group ${r.group.displayName}`,
    r.containerApp && `container app ${r.containerApp.name}`,
  ].filter((x): x is string => Boolean(x));
}

/** The deployment folder (the nearest with deployment files, else the working folder) and its deployments. */
async function deploymentsHere(cwd: string): Promise<{ dir: string; deployments: { file: string; d: Deployment }[] }> {
  const folder = await findDeploymentFolder(cwd);
  if (!folder) return { dir: cwd, deployments: [] };
  const deployments = [];
  for (const f of folder.files) {
    const d = await readDeployment(join(folder.dir, f)).catch(() => undefined);
    if (d) deployments.push({ file: f, d });
  }
  return { dir: folder.dir, deployments };
}

/**
 * Values to start from: those the deployments here agree on (tenant, subscription, region, cloud,
 * prefix), and the environment too when there is only one, so `init --force --id <new id>` re-creates
 * it. Flags and environment variables come first.
 */
function prefill(here: { file: string; d: Deployment }[], env: CliContext['env'], opts: InitOptions) {
  const agreed = <K extends keyof Deployment>(k: K): Deployment[K] | undefined => (here.length && here.every((x) => x.d[k] === here[0]!.d[k]) ? here[0]!.d[k] : undefined);
  const values = {
    tenantId: agreed('tenantId'),
    subscriptionId: agreed('subscriptionId'),
    location: agreed('location'),
    cloud: agreed('cloud'),
    prefix: agreed('prefix'),
    env: here.length === 1 ? here[0]!.d.env : undefined,
  };
  const given = { tenantId: opts.tenant ?? env.MCP_OBO_TENANT ?? env.AZURE_TENANT_ID, subscriptionId: opts.subscription ?? env.MCP_OBO_SUBSCRIPTION ?? env.AZURE_SUBSCRIPTION_ID, location: opts.location ?? env.MCP_OBO_LOCATION, cloud: opts.cloud ?? env.MCP_OBO_CLOUD, prefix: opts.prefix ?? env.MCP_OBO_PREFIX, env: opts.env ?? env.MCP_OBO_ENV };
  const words = { tenantId: 'tenant', subscriptionId: 'subscription', location: 'region', cloud: 'cloud', prefix: 'prefix', env: 'environment' } as const;
  const used = (Object.keys(values) as (keyof typeof values)[]).filter((k) => values[k] !== undefined && given[k] === undefined && !(k === 'cloud' && values[k] === 'AzureCloud')).map((k) => words[k]);
  return { ...values, used, from: used.length ? here.map((x) => x.file).join(', ') : undefined };
}

