/** `mcp-obo logs`: the deployment's container app console output, optionally followed. */
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import type { LogsResult } from '../contract/commands.ts';
import { CancelledError, UsageError } from '../errors.ts';
import { connect } from '../provision/connect.ts';
import { names } from '../state/naming.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import type { AzureClients } from '../azure/clients.ts';
import { describe } from './revision-state.ts';
import { servingRevision, streamLogs } from './logs.ts';

export async function runLogs(o: { deployment?: string; tail?: string; follow?: boolean; json?: boolean; revision?: string }, ctx: CliContext): Promise<void> {
  const tail = o.tail === undefined ? 50 : Number(o.tail);
  if (!Number.isInteger(tail) || tail < 0 || tail > 10_000) throw new UsageError(`--tail must be a whole number 0-10000 (got "${o.tail}")`);
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, o.deployment));
  const d = store.deployment;
  if (!d.resources.containerApp) throw new UsageError('the deployment has no container app yet', { suggestion: 'Run `mcp-obo deploy` first.' });
  const conn = await connect(d, ctx);
  const resourceGroup = names(d).resourceGroup;
  const app = d.resources.containerApp.name;
  const revision = o.revision ?? (await notLatest(conn.azure, resourceGroup, app, d.prefix, d.env, ctx));
  const abort = new AbortController();
  let interrupted = false;
  if (o.follow) void ctx.waitForShutdown().then((signal) => ((interrupted = signal === 'SIGINT'), abort.abort()));
  const out = createOutput(ctx, { json: o.json, stream: true });
  let lines = 0;
  const onLine = (line: string) => {
    lines++;
    if (out.json) out.event({ event: 'log', line });
    else ctx.stdout.write(line + '\n');
  };
  // The banner is progress, for people: stderr; stdout carries only the container's own lines.
  const onBanner = (line: string) => void ctx.stderr.write(`${line}\n`);
  const served = await streamLogs({ azure: conn.azure, resourceGroup, app, revision, tail, follow: Boolean(o.follow), onLine, onBanner, signal: abort.signal });
  out.result({ app, revision: served.revision, lines } satisfies LogsResult, () => {});
  // Ctrl-C ends --follow as it ends any program: exit 130 (the lines shown are the result; nothing is saved).
  if (interrupted) throw Object.assign(new CancelledError(`stopped (Ctrl-C) after ${lines} line${lines === 1 ? '' : 's'}; logs saves nothing`), { reported: Boolean(o.json) });
}

/** The serving revision; when a newer one never became ready, says so (with its state) and how to see its logs. */
async function notLatest(azure: AzureClients, resourceGroup: string, name: string, prefix: string, env: string, ctx: CliContext): Promise<string | undefined> {
  const client = await azure.containerApps();
  const app = await client.containerApps.get(resourceGroup, name);
  const serving = servingRevision(app);
  if (app.latestRevisionName && serving && app.latestRevisionName !== serving) {
    const rev = await client.containerAppsRevisions.getRevision(resourceGroup, name, app.latestRevisionName).catch(() => undefined);
    ctx.stderr.write(
      `note: showing ${serving}, the revision that serves; the latest, ${app.latestRevisionName}, is not ready${rev ? ` (${describe(rev)})` : ''}: ` +
        `\`mcp-obo logs --deployment ${prefix}-${env} --revision ${app.latestRevisionName}\` shows its logs.\n`,
    );
  }
  return serving;
}
