/** `mcp-obo consent`: grant (or only verify) admin consent for a provisioned deployment. */
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import type { ConsentResult } from '../contract/commands.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { connect } from './connect.ts';
import { adminConsentUrl, grantConsent, verifyConsent } from './consent.ts';
import { azureRetry } from './run.ts';
import { consentPlan } from './tool-consent.ts';
import { nonInteractive, type Prompter } from '../cli/prompts.ts';
import { nextAfter, printNext } from '../overview/next.ts';

export interface ConsentOptions {
  deployment?: string;
  verify?: boolean;
  json?: boolean;
  /** Grant without asking: consent is tenant-wide, so off a terminal it must be given on the command line. */
  yes?: boolean;
}

export async function runConsent(opts: ConsentOptions, ctx: CliContext, deps: { prompter: Prompter } = { prompter: nonInteractive }): Promise<void> {
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  const d = store.deployment;
  const sp = d.resources.servicePrincipal;
  const app = d.resources.application;
  if (!sp || !app) throw new UsageError('the app registration is not provisioned yet', { suggestion: 'Run `mcp-obo provision` first.' });
  if (!opts.verify && !opts.yes) {
    const ok = await deps.prompter.confirm({
      message: `Grant the API permissions of app ${app.appId} (deployment ${d.prefix}-${d.env}) on behalf of every user in tenant ${d.tenantId}? (consent --verify lists them)`,
      default: false,
      flag: '--yes',
    });
    if (!ok) throw new McpOboError('nothing was granted: you declined', { code: 'declined', suggestion: 'Check what is granted with `mcp-obo consent --verify`; grant it with `mcp-obo consent --yes`.' });
  }
  const conn = await connect(d, ctx);
  const retry = azureRetry(conn.clock);
  // The permissions follow the tools (resolved by name); verifying creates nothing.
  const plan = await consentPlan(conn.graph, store, { create: !opts.verify, retry });
  const input = { graph: conn.graph, clientSpId: sp.objectId, appId: app.appId, tenantId: d.tenantId, authorityHost: conn.cloud.authorityHost, retry, ...plan };
  const statuses = opts.verify ? await verifyConsent(input) : await grantConsent(input);
  const missing = statuses.filter((s) => s.status === 'missing');
  const out = createOutput(ctx, { json: opts.json, stream: false });
  const result: ConsentResult = { granted: missing.length === 0, permissions: statuses, adminConsentUrl: adminConsentUrl(input) };
  const human = (r: ConsentResult) => {
    for (const s of r.permissions) ctx.stdout.write(`${s.status === 'granted' ? '✔' : '✖'} ${s.resource} ${s.permission}: ${s.status}\n`);
  };
  if (missing.length) {
    const err = new McpOboError(`${missing.length} permission(s) lack admin consent`, {
      code: 'consent-missing',
      suggestion: opts.verify ? 'Run `mcp-obo consent` as an administrator, or hand them ' + adminConsentUrl(input) : `An administrator can grant them at ${adminConsentUrl(input)}.`,
    });
    throw out.failed(result, err, human);
  }
  out.result(result, (r) => {
    human(r);
    if (!opts.verify || !store.deployment.resources.containerApp) printNext(nextAfter('consent', store.deployment, store.path), ctx.stderr);
  });
}
