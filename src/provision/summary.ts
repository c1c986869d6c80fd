/** The end of `provision`: every resource with what happened to it, and the values to keep. */
import type { StepResult } from '../plan/runner.ts';
import type { ProvisionResult } from '../contract/commands.ts';
import type { Deployment } from '../state/deployment.ts';
import type { PermissionStatus } from './consent.ts';
import { ICON, past } from '../cli/progress.ts';
import { columnsOf, fit } from '../cli/width.ts';

export interface SummaryInput {
  results: StepResult[];
  deployment: Deployment;
  path: string;
  dryRun: boolean;
  consent?: PermissionStatus[];
  /** What the user must know about what the run did (a fallback it took). */
  notes?: string[];
}

type Values = ProvisionResult['values'];

/** What the old walkthrough asked users to save by hand (no secrets), by machine key. */
export function keyValues(d: Deployment): Values {
  const r = d.resources;
  return {
    tenantId: d.tenantId,
    subscriptionId: d.subscriptionId,
    resourceGroup: r.resourceGroup?.name ?? null,
    loginServer: r.registry?.loginServer ?? null,
    environment: r.environment?.name ?? null,
    identityClientId: r.identity?.clientId ?? null,
    identityPrincipalId: r.identity?.principalId ?? null,
    appId: r.application?.appId ?? null,
    scope: r.application ? `api://${r.application.appId}/access_as_user` : null,
    usersGroup: r.group?.displayName ?? null,
    envFile: r.clientSecret?.envFile ?? null,
  };
}

/** How people read those values. */
const LABELS: Record<keyof Values, string> = {
  tenantId: 'Tenant ID',
  subscriptionId: 'Subscription ID',
  resourceGroup: 'Resource group',
  loginServer: 'Registry login server',
  environment: 'Container Apps environment',
  identityClientId: 'Managed identity client ID',
  identityPrincipalId: 'Managed identity principal ID',
  appId: 'App (client) ID',
  scope: 'Scope',
  usersGroup: 'Users group',
  envFile: 'Local settings (secret)',
};

export function summaryOf(s: SummaryInput): ProvisionResult {
  return {
    deployment: s.path,
    id: s.deployment.id,
    dryRun: s.dryRun,
    steps: s.results.map((r) => ({ id: r.step.id, title: r.step.title, status: r.status, action: r.planned?.action ?? null, detail: r.planned?.detail ?? null, error: r.error?.message ?? null })),
    values: keyValues(s.deployment),
    consent: s.consent ?? null,
    notes: s.notes ?? [],
  };
}

/** One row of the step table: a mark, the title, and what was done (past tense) or planned. */
export function stepRow(x: ProvisionResult['steps'][number], dryRun: boolean, w: number): string {
  const mark = x.status === 'failed' ? ICON.fail : x.status === 'blocked' ? ICON.blocked : dryRun ? ICON.planned : x.action === 'skip' ? ICON.skip : ICON.done;
  const detail = x.detail ? ` (${x.detail})` : '';
  const what = x.status === 'failed' ? `FAILED: ${x.error?.split('\n')[0]}` : x.status === 'blocked' ? 'not started' : `${dryRun ? x.action : past(x.action ?? '')}${detail}`;
  return `  ${mark} ${x.title.padEnd(w)}  ${what}`;
}

export function renderSummary(r: ProvisionResult, d: Deployment, out: NodeJS.WritableStream): void {
  const w = Math.max(...r.steps.map((x) => x.title.length));
  const columns = columnsOf(out);
  out.write(`\n${r.dryRun ? 'Plan (nothing was changed)' : 'Summary'} for deployment ${d.prefix}-${d.env}-${d.id}:\n`);
  for (const x of r.steps) out.write(`${fit(stepRow(x, r.dryRun, w), columns)}\n`);
  for (const n of r.notes) out.write(`\nNote: ${n}\n`);
  if (r.dryRun) return;
  out.write('\nValues (also saved in ' + r.deployment + '):\n');
  const values = (Object.entries(r.values) as [keyof Values, string | null][]).filter(([, v]) => v);
  const kw = Math.max(...values.map(([k]) => LABELS[k].length));
  // A value is copied whole, never cut: one too wide for the terminal goes on a line of its own.
  for (const [k, v] of values) {
    const row = `  ${LABELS[k].padEnd(kw)}  ${v}`;
    out.write(columns && row.length >= columns ? `  ${LABELS[k]}:\n    ${v}\n` : `${row}\n`);
  }
  if (r.consent) {
    out.write('\nAdmin consent:\n');
    for (const p of r.consent) out.write(`  ${p.status === 'granted' ? '✔' : '✖'} ${p.resource} ${p.permission}: ${p.status}\n`);
  }
}
