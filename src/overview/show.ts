/**
 * `mcp-obo show`: one deployment at a glance, from its file and its env file only (no sign-in, no
 * Azure call): where it is, its URLs and ids, the users group by name, what each provisioning step
 * recorded, the local settings and when the client secret expires, portal links, and what to run next.
 * Azure's own view of it is `mcp-obo provision --dry-run`.
 */
import { lstat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CliContext } from '../cli/context.ts';
import type { ShowResult } from '../contract/commands.ts';
import { PROVISION_STEPS } from '../plan/steps/index.ts';
import { portal } from '../portal.ts';
import type { Deployment } from '../state/deployment.ts';
import { SERVER_NAMES, envFileName, pick, readEnvFile } from '../state/env-local.ts';
import { deploymentName } from '../state/locate.ts';
import { names } from '../state/naming.ts';

export type StepState = 'done' | 'missing' | 'skipped';

/** What `show` reports: the contract's `show` result (src/contract/commands.ts). */
export type Shown = ShowResult;

function stepState(id: string, d: Deployment, env: Record<string, string>): { state: StepState; detail?: string } {
  const r = d.resources as Record<string, { name?: string; displayName?: string; userObjectId?: string | null } | undefined>;
  switch (id) {
    case 'providers':
      return r.resourceGroup ? { state: 'done' } : { state: 'missing' };
    case 'appCallbacks':
      return r.application && r.environment ? { state: 'done' } : { state: 'missing' };
    case 'groupMember':
      if (!r.groupMember) return { state: 'missing' };
      return r.groupMember.userObjectId === null ? { state: 'skipped', detail: 'provisioned as a service principal: add users with `mcp-obo users add <user principal name>`' } : { state: 'done' };
    case 'clientSecret':
      if (!r.clientSecret) return { state: 'missing' };
      return pick(env, SERVER_NAMES.secret) ? { state: 'done' } : { state: 'missing', detail: 'the env file lacks it' };
    case 'facadeKey':
      return env.MCP_OBO_FACADE_KEY ? { state: 'done' } : { state: 'missing' };
  }
  const v = r[id];
  return v ? { state: 'done', detail: v.name ?? v.displayName } : { state: 'missing' };
}

export async function showDeployment(d: Deployment, path: string, now: number): Promise<Shown> {
  const n = names(d);
  const r = d.resources;
  const envPath = join(dirname(path), envFileName(d));
  const exists = (await lstat(envPath).catch(() => undefined))?.isFile() ?? false;
  const env = exists ? await readEnvFile(envPath) : {};
  const steps = PROVISION_STEPS.map((s) => {
    const st = stepState(s.id, d, env);
    return { id: s.id, title: s.title, state: st.state, detail: st.detail ?? null };
  });
  const t = { cloud: d.cloud, tenantId: d.tenantId };
  const links: Shown['portal'] = {};
  if (r.resourceGroup) links.resourceGroup = portal.resource(t, r.resourceGroup.id);
  if (r.application) links.appRegistration = portal.appRegistration(t, r.application.appId);
  if (r.servicePrincipal && r.application) links.usersAndGroups = portal.assignments(t, r.servicePrincipal.objectId, r.application.appId);
  if (r.group) links.usersGroup = portal.groupMembers(t, r.group.objectId);
  if (r.containerApp) links.containerApp = portal.resource(t, r.containerApp.id);
  const name = deploymentName(path);
  const flag = ` --deployment ${name}`;
  const provisioned = steps.every((s) => s.state !== 'missing' || (s.id === 'clientSecret' || s.id === 'facadeKey'));
  const next = !provisioned ? `mcp-obo provision${flag}` : !r.containerApp ? `mcp-obo deploy${flag}` : null;
  const expires = r.clientSecret?.endDateTime ?? null;
  return {
    name,
    slug: n.slug,
    id: d.id,
    file: path,
    tenantId: d.tenantId,
    subscriptionId: d.subscriptionId,
    location: d.location,
    cloud: d.cloud,
    mcpUrl: d.mcpUrl ?? null,
    appId: r.application?.appId ?? null,
    scope: r.application ? `api://${r.application.appId}/access_as_user` : null,
    usersGroup: r.group ? { id: r.group.objectId, name: r.group.displayName } : null,
    envFile: { path: envPath, exists, clientSecretExpires: exists && pick(env, SERVER_NAMES.secret) ? expires : null, facadeKey: Boolean(env.MCP_OBO_FACADE_KEY) },
    steps,
    deployed: r.containerApp ? { containerApp: r.containerApp.name, revision: r.containerApp.revision, image: r.containerApp.image } : null,
    portal: links,
    next: next ?? (expires && Date.parse(expires) - now < 14 * 86_400_000 ? `mcp-obo provision${flag}` : null),
  };
}

const MARK: Record<StepState, string> = { done: '✔', missing: '·', skipped: '○' };
const LINK_LABELS: Record<keyof Shown['portal'], string> = { resourceGroup: 'resource group', appRegistration: 'app registration', usersAndGroups: 'users and groups', usersGroup: 'users group', containerApp: 'container app' };

export function printShown(s: Shown, ctx: Pick<CliContext, 'stdout' | 'stderr'>, now: number): void {
  const out = (line = '') => ctx.stdout.write(line + '\n');
  out(`Deployment ${s.name} (${s.slug})`);
  const rows: [string, string | null][] = [
    ['file', s.file],
    ['tenant', s.tenantId],
    ['subscription', s.subscriptionId],
    ['region', `${s.location} (${s.cloud})`],
    ['MCP URL', s.mcpUrl ?? 'not deployed yet'],
    ['app (client) ID', s.appId],
    ['scope', s.scope],
    ['users group', s.usersGroup?.name ?? null],
    ['local settings', s.envFile.exists ? `${basename(s.envFile.path)}${s.envFile.clientSecretExpires ? `, client secret expires ${s.envFile.clientSecretExpires.slice(0, 10)} (in ${Math.max(0, Math.floor((Date.parse(s.envFile.clientSecretExpires) - now) / 86_400_000))} days)` : ', no client secret'}${s.envFile.facadeKey ? ', facade key' : ''}` : `none (${basename(s.envFile.path)} is written by provision)`],
    ['deployed', s.deployed ? `${s.deployed.containerApp}, revision ${s.deployed.revision}` : null],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) if (v !== null) out(`  ${k.padEnd(w)}  ${v}`);
  out();
  out('Provisioning, as recorded in the deployment file:');
  const sw = Math.max(...s.steps.map((x) => x.title.length));
  for (const x of s.steps) out(`  ${MARK[x.state]} ${x.title.padEnd(sw)}  ${x.state}${x.detail ? `: ${x.detail}` : ''}`);
  if (Object.keys(s.portal).length) {
    out();
    out('Azure portal:');
    const label = (k: string) => LINK_LABELS[k as keyof Shown['portal']] ?? k;
    const pw = Math.max(...Object.keys(s.portal).map((k) => label(k).length));
    for (const [k, v] of Object.entries(s.portal)) out(`  ${label(k).padEnd(pw)}  ${v}`);
  }
  if (s.next) ctx.stderr.write(`\nNext: ${s.next}\n`);
}
