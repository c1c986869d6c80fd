/**
 * Whose app a running server is, from the scope it advertises (`api://{clientId}/access_as_user`),
 * and, when it is not the deployment's, why: the deployer's AZURE_CLIENT_ID exported where it was
 * started (the environment overrides an env file), another deployment's settings, or something else.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deploymentName, findDeploymentFolder } from '../state/locate.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The client id in the first advertised scope, if it has the api://{guid}/ shape. */
export function advertisedClientId(scopes: string[] | undefined): string | undefined {
  return /^api:\/\/([0-9a-f-]{36})\//i.exec(scopes?.[0] ?? '')?.[1]?.toLowerCase();
}

/** Advice when the server runs as `serverApp` rather than the deployment's `appId`; undefined when they match. */
export async function wrongAppAdvice(serverApp: string | undefined, appId: string, name: string, dir: string, env: Env): Promise<string | undefined> {
  if (!serverApp || serverApp === appId.toLowerCase()) return undefined;
  const serve = `\`mcp-obo serve --deployment ${name}\``;
  for (const variable of ['AZURE_CLIENT_ID', 'MCP_OBO_CLIENT_ID']) {
    if (env[variable]?.trim().toLowerCase() === serverApp) {
      return (
        `The server runs as ${serverApp}, the ${variable} exported in this shell (the deployer's sign-in for the mcp-obo CLI?), not as ${name}'s app ${appId}: ` +
        `the environment it was started in overrode its env file. Restart ${serve} without it (\`env -u ${variable} -u ${variable.replace('_ID', '_SECRET')} mcp-obo serve --deployment ${name}\`), ` +
        'or rerun `mcp-obo provision`: it writes MCP_OBO_CLIENT_ID, which AZURE_* variables do not override.'
      );
    }
  }
  const other = await otherDeploymentWithApp(dir, serverApp);
  if (other) return `The server runs deployment ${other}'s app (${serverApp}), not ${name}'s: restart it with ${serve}, or test the other one with \`mcp-obo test --deployment ${other}\`.`;
  return `The server runs as app ${serverApp}, not ${name}'s app ${appId}: fix MCP_OBO_CLIENT_ID (or AZURE_CLIENT_ID) where it runs, or start it with ${serve}.`;
}

async function otherDeploymentWithApp(dir: string, appId: string): Promise<string | undefined> {
  const folder = await findDeploymentFolder(dir);
  for (const f of folder?.files ?? []) {
    const d = JSON.parse(await readFile(join(folder!.dir, f), 'utf8').catch(() => '{}')) as { resources?: { application?: { appId?: string } } };
    if (d.resources?.application?.appId?.toLowerCase() === appId) return deploymentName(f);
  }
  return undefined;
}
