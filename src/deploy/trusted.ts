/**
 * The deployment file is meant to be committed, so whoever can push to the repository can edit it.
 * Hosts that receive a credential are therefore never taken from it: the registry's login server
 * (where `deploy --build local` sends an Entra token) and the server's URL (where `test` and the
 * commands of `token --curl` send the user's token) are read from Azure Resource Manager, for the
 * names derived from the deployment's prefix, env and id, and checked before use.
 */
import { relative } from 'node:path';
import type { AzureClients } from '../azure/clients.ts';
import type { CliContext } from '../cli/context.ts';
import type { Cloud } from '../cloud.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { optional } from '../plan/steps/util.ts';
import type { Deployment } from '../state/deployment.ts';
import { names } from '../state/naming.ts';
import { connect } from '../provision/connect.ts';

/**
 * `{name}.{suffix}`, or `{name}-{label}.{suffix}` for registries with an auto-generated domain name label
 * (azure-cli acr/_docker_utils.py builds `{registry}-{tenant_suffix}{acr_login_server_endpoint}` the same way).
 */
export function isLoginServerOf(loginServer: string, registryName: string, acrSuffix: string): boolean {
  const name = registryName.toLowerCase().replace(/[^a-z0-9]/g, '');
  const suffix = acrSuffix.toLowerCase().replace(/\./g, '\\.');
  return new RegExp(`^${name}(-[a-z0-9]{1,16})?\\.${suffix}$`).test(loginServer.toLowerCase());
}

/** The registry's login server as Azure reports it, refused unless it is a host of the cloud's registry domain. */
export async function trustedLoginServer(azure: AzureClients, cloud: Cloud, d: Deployment): Promise<string> {
  const n = names(d);
  const acr = await (await azure.registry()).registries.get(n.resourceGroup, n.registry);
  const server = (acr.loginServer ?? '').toLowerCase();
  if (!isLoginServerOf(server, n.registry, cloud.acrSuffix)) {
    throw new McpOboError(`container registry ${n.registry} reports the login server "${server}", which is not ${n.registry}.${cloud.acrSuffix}: refusing to send a token there`, {
      suggestion: `Check the registry in the portal; for a cloud other than ${cloud.name}, set --cloud / MCP_OBO_CLOUD in \`mcp-obo init\`.`,
    });
  }
  return server;
}

/** Hosts the deployment's Container App answers at, from ARM: its ingress FQDN and its bound custom domains. */
async function appHosts(azure: AzureClients, d: Deployment): Promise<string[] | undefined> {
  const n = names(d);
  const app = await optional(async () => (await azure.containerApps()).containerApps.get(n.resourceGroup, n.containerApp));
  if (!app) return undefined;
  const ingress = app.configuration?.ingress;
  const bound = (ingress?.customDomains ?? []).filter((c) => c.bindingType === 'SniEnabled').map((c) => c.name);
  return [ingress?.fqdn, ...bound].filter((h): h is string => Boolean(h)).map((h) => h.toLowerCase());
}

/**
 * The deployed server's base URL (`https://host`, no path), when the deployment file's mcpUrl is
 * `https://{host}/mcp` for a host the Container App answers at; otherwise a usage error that says so.
 */
export async function trustedServerUrl(azure: AzureClients, d: Deployment, file: string): Promise<string> {
  const n = names(d);
  const hosts = await appHosts(azure, d);
  if (!hosts) throw new UsageError(`the deployment file names a server (${JSON.stringify(d.mcpUrl)}), but container app ${n.containerApp} does not exist`, { suggestion: 'Run `mcp-obo deploy`, or pass --url to use another server on purpose.' });
  let url: URL | undefined;
  try {
    url = new URL(d.mcpUrl ?? '');
  } catch {
    url = undefined;
  }
  const ok = url && url.protocol === 'https:' && !url.username && !url.password && !url.search && !url.hash && url.pathname === '/mcp' && hosts.includes(url.host.toLowerCase());
  if (!ok) {
    throw new UsageError(`the deployment file's mcpUrl ${JSON.stringify(d.mcpUrl)} is not this deployment's server: Azure says ${n.containerApp} answers at ${hosts.map((h) => `https://${h}/mcp`).join(' or ')}; refusing to send your token there`, {
      suggestion: `Someone may have changed ${file} (see its history, e.g. \`git log -p -- ${file}\`). Run \`mcp-obo deploy\` to write the right URL, or pass --url to use another server on purpose.`,
    });
  }
  return url!.origin;
}

/** The same for a command that has not signed in yet: signs in to Azure to ask. */
export async function deployedServerUrl(d: Deployment, path: string, ctx: CliContext): Promise<string> {
  if (!d.mcpUrl) throw new UsageError('no server URL: the deployment is not deployed yet', { suggestion: 'Pass --url http://localhost:8000 to test a local `mcp-obo serve`, or run `mcp-obo deploy`.' });
  const conn = await connect(d, ctx);
  return trustedServerUrl(conn.azure, d, relative(ctx.cwd, path) || path);
}
