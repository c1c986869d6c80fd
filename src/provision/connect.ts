/**
 * Signs in and builds the Azure and Graph clients for a deployment: the one place a command's
 * real Azure dependencies are made. Fails early, with advice, when nobody is signed in.
 */
import type { CliContext } from '../cli/context.ts';
import { systemClock, type Clock } from '../clock.ts';
import { resolveCloud, type Cloud } from '../cloud.ts';
import { createAzureClients, type AzureClients } from '../azure/clients.ts';
import { callerFromToken, createCredential, credentialKind } from '../azure/credential.ts';
import { explain } from '../azure/errors.ts';
import { httpTimeoutMs } from '../azure/timeout.ts';
import { createGraphApi, type GraphApi } from '../graph/client.ts';
import { UsageError } from '../errors.ts';
import type { Deployment } from '../state/deployment.ts';

export interface Connection {
  cloud: Cloud;
  azure: AzureClients;
  graph: GraphApi;
  clock: Clock;
  caller: { objectId: string; kind: 'user' | 'servicePrincipal'; name?: string };
}

export function pollIntervalMs(env: CliContext['env']): number {
  const raw = env.MCP_OBO_POLL_INTERVAL_MS;
  if (raw === undefined || raw === '') return 5000;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 60_000) throw new UsageError(`MCP_OBO_POLL_INTERVAL_MS must be 1..60000 (got "${raw}")`);
  return Number(raw);
}

export async function connect(d: Pick<Deployment, 'tenantId' | 'subscriptionId' | 'cloud'>, ctx: CliContext): Promise<Connection> {
  const cloud = resolveCloud(d.cloud, ctx.env);
  const credential = await createCredential({ cloud, tenantId: d.tenantId, env: ctx.env });
  let token: string;
  try {
    const t = await credential.getToken(cloud.armScope, { tenantId: d.tenantId });
    if (!t) throw new Error('no token');
    token = t.token;
  } catch (err) {
    throw explain(err, { tenantId: d.tenantId, action: 'signing in', credential: credentialKind(ctx.env), clientId: ctx.env.AZURE_CLIENT_ID });
  }
  const caller = callerFromToken(token);
  if (caller.tenantId && caller.tenantId.toLowerCase() !== d.tenantId) {
    throw new UsageError(`signed in to tenant ${caller.tenantId}, but the deployment is in ${d.tenantId}`, { suggestion: `Run \`az login --tenant ${d.tenantId}\`.` });
  }
  return {
    cloud,
    azure: createAzureClients(credential, cloud, d.subscriptionId, pollIntervalMs(ctx.env), httpTimeoutMs(ctx.env)),
    graph: await createGraphApi(credential, cloud, httpTimeoutMs(ctx.env)),
    clock: systemClock,
    caller,
  };
}
