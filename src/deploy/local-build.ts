/**
 * `deploy --build local`: the same build context through the local Docker engine (execa, never a
 * shell string), logged in to the registry with a refresh token exchanged for an Entra token of the
 * registry service's audience, as `az acr login` does. `loginServer` comes from Azure (trusted.ts),
 * never from the deployment file. The refresh token goes on stdin, never in arguments or logs.
 */
import type { TokenCredential } from '@azure/identity';
import type { Cloud } from '../cloud.ts';
import { McpOboError } from '../errors.ts';
import type { BuildContext } from './context.ts';

export type Exec = (file: string, args: string[], opts?: { input?: Buffer | string }) => Promise<{ stdout: string; stderr: string; exitCode: number }>;

export interface LocalBuildInput {
  exec: Exec;
  credential: TokenCredential;
  cloud: Cloud;
  tenantId: string;
  loginServer: string;
  imageName: string;
  context: BuildContext;
  /** Docker build arguments, e.g. NODE_IMAGE for --base-image. */
  buildArgs?: Record<string, string>;
  onLog: (text: string) => void;
  fetch?: typeof fetch;
}

async function docker(i: LocalBuildInput, args: string[], input?: Buffer | string) {
  let r;
  try {
    r = await i.exec('docker', args, input === undefined ? undefined : { input });
  } catch (err) {
    throw new McpOboError(`docker is not available (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      suggestion: 'Install and start Docker, or build in the registry instead (`mcp-obo deploy`, the default).',
      cause: err,
    });
  }
  if (r.exitCode !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new McpOboError(`docker ${args[0]} failed (exit ${r.exitCode}):\n${tail}`, { suggestion: args[0] === 'version' ? 'Start the Docker engine and retry.' : 'Fix the cause above and rerun `mcp-obo deploy --build local`.' });
  }
  return r;
}

export async function localBuild(i: LocalBuildInput): Promise<string> {
  const image = `${i.loginServer}/${i.imageName}`;
  await docker(i, ['version', '--format', '{{.Server.Version}}']);
  i.onLog(`building ${image} with the local Docker engine\n`);
  // The context goes in on stdin as the same gzip'd tar a remote build uploads.
  const args = Object.entries(i.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  const built = await docker(i, ['build', '--platform', 'linux/amd64', ...args, '-t', image, '-f', i.context.dockerfile, '-'], i.context.archive);
  i.onLog(built.stdout + built.stderr);

  // A token for the registry service itself, not for ARM: registries that refuse ARM-audience tokens
  // (azureADAuthenticationAsArmPolicy disabled, as Azure Policy can enforce) accept it, and it is useless elsewhere.
  const entra = await i.credential.getToken(i.cloud.acrScope, { tenantId: i.tenantId });
  if (!entra) throw new McpOboError('no Entra token to log in to the registry');
  const res = await (i.fetch ?? fetch)(`https://${i.loginServer}/oauth2/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'access_token', service: i.loginServer, tenant: i.tenantId, access_token: entra.token }),
    redirect: 'error', // a redirect would resend the token to wherever it points
  });
  if (res.status !== 200) throw new McpOboError(`the registry refused the token exchange (HTTP ${res.status})`, { suggestion: 'You need push rights on the registry (AcrPush or Contributor).' });
  const { refresh_token: refreshToken } = (await res.json()) as { refresh_token?: string };
  if (!refreshToken) throw new McpOboError('the registry returned no refresh token');
  await docker(i, ['login', i.loginServer, '--username', '00000000-0000-0000-0000-000000000000', '--password-stdin'], refreshToken);
  const pushed = await docker(i, ['push', image]);
  i.onLog(pushed.stdout);
  return image;
}
