/**
 * Console logs of the running app, as `az containerapp logs show` gets them: a short-lived token
 * from getAuthToken, then the log stream of the latest revision's replica on the environment's
 * event-stream host, optionally followed.
 */
import type { AzureClients } from '../azure/clients.ts';
import { McpOboError } from '../errors.ts';

export interface LogsInput {
  azure: AzureClients;
  resourceGroup: string;
  app: string;
  /** This revision's replica (default: the revision that serves, see servingRevision). */
  revision?: string;
  tail: number;
  follow: boolean;
  /** Called with each log line (the app's own output). */
  onLine: (line: string) => void;
  /** The stream's own banner ("Connecting to the container…"), which is not the container's output. */
  onBanner?: (line: string) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/**
 * The revision whose logs a user means by "the app's logs": the one that takes the traffic. After a
 * deploy whose new revision never became ready, the latest revision is that failed one (often with no
 * replica left), while the previous one still serves (single revision mode keeps it until the new one
 * is ready), so the latest *ready* revision comes first.
 */
export function servingRevision(app: { latestReadyRevisionName?: string; latestRevisionName?: string }): string | undefined {
  return app.latestReadyRevisionName ?? app.latestRevisionName;
}

/** The status lines the log stream host writes before the container's lines (as `az containerapp logs show` shows them). */
const BANNER = /^(Connecting to the container '[^']*'\.\.\.|Successfully Connected to container: .*)$/;

export async function streamLogs(i: LogsInput): Promise<{ revision: string }> {
  const client = await i.azure.containerApps();
  const [app, auth] = await Promise.all([client.containerApps.get(i.resourceGroup, i.app), client.containerApps.getAuthToken(i.resourceGroup, i.app)]);
  const revision = i.revision ?? servingRevision(app);
  if (!app.eventStreamEndpoint || !auth.token || !revision) throw new McpOboError(`container app ${i.app} has no revision to read logs from yet`, { suggestion: 'Run `mcp-obo deploy` first.' });
  const replicas = await client.containerAppsRevisionReplicas.listReplicas(i.resourceGroup, i.app, revision);
  const replica = replicas.value?.[0]?.name;
  if (!replica) throw new McpOboError(`revision ${revision} has no running replica (scaled to zero?)`, { suggestion: 'Send it a request (`mcp-obo test`) to wake it, then retry.' });
  const container = app.template?.containers?.[0]?.name ?? 'mcp-obo';
  const base = app.eventStreamEndpoint.slice(0, Math.max(0, app.eventStreamEndpoint.indexOf('/subscriptions/'))) || new URL(app.eventStreamEndpoint).origin;
  const url =
    `${base}/subscriptions/${i.azure.subscriptionId}/resourceGroups/${i.resourceGroup}/containerApps/${i.app}/revisions/${revision}` +
    `/replicas/${replica}/containers/${container}/logstream?tailLines=${i.tail}&follow=${i.follow}&output=json`;
  const res = await (i.fetch ?? fetch)(url, { headers: { authorization: `Bearer ${auth.token}` }, signal: i.signal });
  if (res.status !== 200 || !res.body) throw new McpOboError(`the log stream answered HTTP ${res.status}`, { suggestion: 'Retry; the stream token lives a few minutes.' });
  let buffer = '';
  const emit = (raw: string) => {
    if (!raw.trim()) return;
    try {
      const entry = JSON.parse(raw) as { Log?: string };
      if (entry.Log !== undefined && BANNER.test(entry.Log)) i.onBanner?.(entry.Log);
      else i.onLine(entry.Log ?? raw);
    } catch {
      i.onLine(raw);
    }
  };
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buffer += Buffer.from(chunk).toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      lines.forEach(emit);
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  emit(buffer);
  return { revision };
}
