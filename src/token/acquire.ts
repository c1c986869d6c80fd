/**
 * A user access token for the server's scope, as the signed-in user: through the Azure CLI
 * (pre-authorised on the app, so no consent prompt), else a device-code sign-in with the Azure
 * CLI's public client id. The token is returned, never written anywhere.
 */
import type { CliContext } from '../cli/context.ts';
import type { Cloud } from '../cloud.ts';
import { McpOboError, UsageError } from '../errors.ts';
import { AZURE_CLI_CLIENT_ID } from '../graph/constants.ts';
import { systemClock } from '../clock.ts';
import { EntraRefusal, deviceCodeToken } from './device-code.ts';
import { refusalAdvice } from './refusals.ts';

export type Run = (file: string, args: string[]) => Promise<{ stdout: string; stderr: string; exitCode: number }>;

export interface AcquireOptions {
  cloud: Cloud;
  tenantId: string;
  scope: string;
  run: Run;
  /** Where the device-code instructions go (stderr). */
  notify: (message: string) => void;
  /** 'cli' only, 'device' only, or the CLI then the device code. */
  method?: 'auto' | 'cli' | 'device';
  /** The deployment's name, for the commands the advice names. */
  deployment?: string;
}

/** The Azure CLI cannot help (missing, not signed in): the device code may. */
class AzureCliUnavailable extends Error {}

export interface UserToken {
  token: string;
  via: 'azure-cli' | 'device-code' | 'MCP_OBO_TOKEN';
}

/**
 * How to sign in a user here: a device code only when someone can see and act on it (a terminal,
 * not CI) or when asked with --device-code; otherwise only the Azure CLI's login, so a pipeline
 * never waits for a code nobody will enter.
 */
export function signInMethod(ctx: Pick<CliContext, 'isTTY' | 'env'>, deviceCode?: boolean): 'auto' | 'cli' | 'device' {
  if (deviceCode) return 'device';
  return ctx.isTTY && !ctx.env.CI ? 'auto' : 'cli';
}

/** MCP_OBO_TOKEN, when set: a user token a pipeline got elsewhere. It must at least be a JWT. */
export function tokenFromEnv(env: CliContext['env']): UserToken | undefined {
  const token = env.MCP_OBO_TOKEN?.trim();
  if (!token) return undefined;
  const payload = token.split('.')[1];
  let ok = token.split('.').length === 3;
  try {
    ok &&= typeof JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) === 'object';
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError('MCP_OBO_TOKEN is not a JWT access token', { suggestion: 'Set it to an Entra access token for api://{appId}/access_as_user, or unset it to sign in with the Azure CLI.' });
  return { token, via: 'MCP_OBO_TOKEN' };
}

export async function acquireUserToken(o: AcquireOptions): Promise<UserToken> {
  const method = o.method ?? 'auto';
  let cliError: Error | undefined;
  if (method !== 'device') {
    try {
      return { token: await viaAzureCli(o), via: 'azure-cli' };
    } catch (err) {
      if (!(err instanceof AzureCliUnavailable)) throw err;
      if (method === 'cli') {
        throw new McpOboError(`not signed in as a user: ${err.message}`, {
          code: 'not-signed-in',
          suggestion: `Run \`az login --tenant ${o.tenantId}\`, or set MCP_OBO_TOKEN to a user token (pipelines). A device-code sign-in starts only on a terminal, or with --device-code.`,
          cause: err,
        });
      }
      cliError = err;
    }
  }
  try {
    return { token: await viaDeviceCode(o), via: 'device-code' };
  } catch (err) {
    // The sign-in worked and Entra refused the user for the app: say its code and the fix, not `az login`.
    if (err instanceof EntraRefusal && err.aadsts) {
      throw new McpOboError(`Entra refused the device-code sign-in for ${o.scope} (AADSTS${err.aadsts}): ${err.message.replace(/^AADSTS\d+: /, '')}`, {
        code: `aadsts-${err.aadsts}`,
        suggestion: refusalAdvice(err.aadsts, o),
        cause: err,
      });
    }
    throw new McpOboError(`could not get a user token: ${(err as Error).message}`, {
      code: 'not-signed-in',
      suggestion: cliError ? `Azure CLI: ${cliError.message}. Run \`az login --tenant ${o.tenantId}\` and retry.` : `Run \`az login --tenant ${o.tenantId}\` and retry.`,
      cause: err,
    });
  }
}

async function viaAzureCli(o: AcquireOptions): Promise<string> {
  let result: Awaited<ReturnType<Run>>;
  try {
    result = await o.run('az', ['account', 'get-access-token', '--scope', o.scope, '--tenant', o.tenantId, '--output', 'json']);
  } catch (err) {
    throw new AzureCliUnavailable(`Azure CLI not available (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (result.exitCode !== 0) {
    const stderr = result.stderr.trim().split('\n').filter(Boolean);
    const aadsts = /AADSTS(\d+)/.exec(result.stderr)?.[1];
    if (aadsts === '65001' || aadsts === '50105' || aadsts === '500011') {
      throw new McpOboError(`Entra refused a token for ${o.scope} (AADSTS${aadsts})`, { code: `aadsts-${aadsts}`, suggestion: refusalAdvice(aadsts, o) });
    }
    throw new AzureCliUnavailable(`az account get-access-token failed: ${stderr.at(-1) ?? `exit ${result.exitCode}`}`);
  }
  const parsed = JSON.parse(result.stdout) as { accessToken?: string };
  if (!parsed.accessToken) throw new AzureCliUnavailable('az account get-access-token returned no token');
  return parsed.accessToken;
}

async function viaDeviceCode(o: AcquireOptions): Promise<string> {
  return deviceCodeToken({ authority: `${o.cloud.authorityHost}/${o.tenantId}`, clientId: AZURE_CLI_CLIENT_ID, scope: o.scope, notify: o.notify, clock: systemClock });
}
