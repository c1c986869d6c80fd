/** The end of `provision`: every resource with what happened to it, and the values to keep. */
import type { StepResult } from '../plan/runner.ts';
import type { Deployment } from '../state/deployment.ts';
import type { PermissionStatus } from './consent.ts';

export interface SummaryInput {
  results: StepResult[];
  deployment: Deployment;
  path: string;
  dryRun: boolean;
  json: boolean;
  consent?: PermissionStatus[];
  /** What the user must know about what the run did (a fallback it took). */
  notes?: string[];
  out: NodeJS.WritableStream;
}

/** What the old walkthrough asked users to save by hand (no secrets). */
export function keyValues(d: Deployment): Record<string, string | undefined> {
  const r = d.resources;
  return {
    'Tenant ID': d.tenantId,
    'Subscription ID': d.subscriptionId,
    'Resource group': r.resourceGroup?.name,
    'Registry login server': r.registry?.loginServer,
    'Container Apps environment': r.environment?.name,
    'Managed identity client ID': r.identity?.clientId,
    'Managed identity principal ID': r.identity?.principalId,
    'App (client) ID': r.application?.appId,
    Scope: r.application ? `api://${r.application.appId}/access_as_user` : undefined,
    'Users group': r.group?.displayName,
    'Local settings (secret)': r.clientSecret?.envFile,
  };
}

export function printSummary(s: SummaryInput): void {
  const steps = s.results.map((r) => ({ id: r.step.id, title: r.step.title, status: r.status, action: r.planned?.action, detail: r.planned?.detail, error: r.error?.message }));
  if (s.json) {
    s.out.write(JSON.stringify({ event: 'summary', deployment: s.path, id: s.deployment.id, dryRun: s.dryRun, steps, values: keyValues(s.deployment), consent: s.consent, notes: s.notes?.length ? s.notes : undefined }) + '\n');
    return;
  }
  const w = Math.max(...steps.map((x) => x.title.length));
  s.out.write(`\n${s.dryRun ? 'Plan (nothing was changed)' : 'Summary'} for deployment ${s.deployment.prefix}-${s.deployment.env}-${s.deployment.id}:\n`);
  for (const x of steps) {
    const what = x.status === 'failed' ? `FAILED: ${x.error?.split('\n')[0]}` : x.status === 'blocked' ? 'not started' : `${x.action}${x.detail ? ` (${x.detail})` : ''}`;
    s.out.write(`  ${x.title.padEnd(w)}  ${what}\n`);
  }
  for (const n of s.notes ?? []) s.out.write(`\nNote: ${n}\n`);
  if (s.dryRun) return;
  s.out.write('\nValues (also saved in ' + s.path + '):\n');
  const values = Object.entries(keyValues(s.deployment)).filter(([, v]) => v);
  const kw = Math.max(...values.map(([k]) => k.length));
  for (const [k, v] of values) s.out.write(`  ${k.padEnd(kw)}  ${v}\n`);
  if (s.consent) {
    s.out.write('\nAdmin consent:\n');
    for (const p of s.consent) s.out.write(`  ${p.status === 'granted' ? '✔' : '✖'} ${p.resource} ${p.permission}: ${p.status}\n`);
  }
}
