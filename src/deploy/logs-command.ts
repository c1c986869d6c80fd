/** `mcp-obo logs`: the deployment's container app console output, optionally followed. */
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import type { LogsResult } from '../contract/commands.ts';
import { UsageError } from '../errors.ts';
import { connect } from '../provision/connect.ts';
import { names } from '../state/naming.ts';
import { DeploymentStore, locateDeployment } from '../state/store.ts';
import { streamLogs } from './logs.ts';

export async function runLogs(o: { deployment?: string; tail?: string; follow?: boolean; json?: boolean }, ctx: CliContext): Promise<void> {
  const tail = o.tail === undefined ? 50 : Number(o.tail);
  if (!Number.isInteger(tail) || tail < 0 || tail > 10_000) throw new UsageError(`--tail must be a whole number 0-10000 (got "${o.tail}")`);
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, o.deployment));
  const d = store.deployment;
  if (!d.resources.containerApp) throw new UsageError('the deployment has no container app yet', { suggestion: 'Run `mcp-obo deploy` first.' });
  const conn = await connect(d, ctx);
  const abort = new AbortController();
  if (o.follow) void ctx.waitForShutdown().then(() => abort.abort());
  const out = createOutput(ctx, { json: o.json, stream: true });
  let lines = 0;
  const onLine = (line: string) => {
    lines++;
    if (out.json) out.event({ event: 'log', line });
    else ctx.stdout.write(line + '\n');
  };
  const app = d.resources.containerApp.name;
  const { revision } = await streamLogs({ azure: conn.azure, resourceGroup: names(d).resourceGroup, app, tail, follow: Boolean(o.follow), onLine, signal: abort.signal });
  out.result({ app, revision, lines } satisfies LogsResult, () => {});
}
