/**
 * What Azure and Entra errors mean: which ones are worth retrying (throttling, 5xx, propagation
 * right after a create), and plain advice with the next command for the ones that are not.
 */
import { McpOboError } from '../errors.ts';
import { AADSTS, aadstsCode, type AadstsContext } from './aadsts.ts';
import { GraphRequestError } from '../graph/client.ts';
import { retryAfterMs } from '../server/downstream/http.ts';
import { RequestTimeoutError } from './timeout.ts';

interface RestLike {
  name?: string;
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined } };
}

export function statusOf(err: unknown): number | undefined {
  if (err instanceof GraphRequestError) return err.status;
  const s = (err as RestLike)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function codeOf(err: unknown): string | undefined {
  if (err instanceof GraphRequestError) return err.code;
  const c = (err as RestLike)?.code;
  return typeof c === 'string' ? c : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** Attempts a request that timed out gets in all: a dead endpoint must fail in minutes, not hang. */
export const TIMEOUT_ATTEMPTS = 3;

/** Throttling and server errors: always worth another try; a timeout when the request can be repeated. */
export function classifyTransient(err: unknown, now = Date.now()): { retry: boolean; afterMs?: number; reason?: string; limit?: number } {
  if (err instanceof RequestTimeoutError) return { retry: err.idempotent, reason: 'no answer (timeout)', limit: TIMEOUT_ATTEMPTS };
  const status = statusOf(err);
  if (status === 429 || status === 408 || (status !== undefined && status >= 500 && status !== 501 && status !== 505)) {
    const header = (err as RestLike)?.response?.headers?.get?.('retry-after') ?? null;
    return { retry: true, afterMs: retryAfterMs(header, now), reason: `HTTP ${status}` };
  }
  const code = (err as { code?: string })?.code;
  if (code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'ECONNREFUSED' || code === 'EAI_AGAIN') return { retry: true, reason: code };
  return { retry: false };
}

/** Errors Entra and ARM give while a just-created object replicates. */
export function isPropagationError(err: unknown): boolean {
  const msg = (err as Error)?.message ?? '';
  const code = codeOf(err);
  if (code === 'PrincipalNotFound') return true;
  if (err instanceof GraphRequestError) {
    if (err.status === 404 && err.code === 'Request_ResourceNotFound') return true;
    if (err.status === 400 && /does not reference a valid application object|Not a valid reference update|does not exist or one of its queried reference-property objects/i.test(msg)) return true;
  }
  return false;
}

export function classifyProvisioning(err: unknown): { retry: boolean; afterMs?: number; reason?: string; limit?: number } {
  const transient = classifyTransient(err);
  if (transient.retry || err instanceof RequestTimeoutError) return transient;
  if (isPropagationError(err)) return { retry: true, reason: `waiting for replication (${codeOf(err) ?? statusOf(err)})` };
  return { retry: false };
}

/** Every message of an error and of the errors it aggregates (a credential chain's). */
function messagesOf(err: unknown): string[] {
  const inner = (err as { errors?: unknown[] })?.errors;
  return [(err as Error)?.message ?? String(err), ...(Array.isArray(inner) ? inner.flatMap(messagesOf) : [])];
}

/** The Entra description without MSAL's "Error(s): … - Timestamp: … - Description:" wrapping and trace lines. */
function aadDescription(text: string): string {
  const from = text.indexOf('AADSTS');
  return firstLine(text.slice(from >= 0 ? from : 0)).replace(/^AADSTS\d+:\s*/, '').replace(/\s+Trace ID:.*$/, '');
}

/** Turns an Azure / Entra failure into advice the user can act on. */
export function explain(err: unknown, context: { tenantId?: string; subscriptionId?: string; action?: string } & AadstsContext = {}): McpOboError {
  if (err instanceof McpOboError) return err;
  if (err instanceof RequestTimeoutError) {
    return new McpOboError(`${context.action ? `${context.action}: ` : ''}${err.message}`, {
      suggestion: 'Azure did not answer in time (retried). Check your connection, or raise MCP_OBO_HTTP_TIMEOUT_MS on a slow network, then rerun the command.',
      cause: err,
    });
  }
  const code = codeOf(err);
  const status = statusOf(err);
  const message = (err as Error)?.message ?? String(err);
  const what = context.action ? `${context.action}: ` : '';
  const name = (err as { name?: string })?.name;

  // An Entra code anywhere (also inside a chain's aggregate) says more than "not signed in".
  const withCode = messagesOf(err).find((m) => aadstsCode(m));
  if (withCode) {
    const aadsts = aadstsCode(withCode)!;
    const entry = AADSTS[aadsts];
    return new McpOboError(`${what}AADSTS${aadsts}${entry ? ` (${entry.meaning})` : ''}: ${aadDescription(withCode)}`, {
      code: `aadsts-${aadsts}`,
      suggestion: entry ? entry.fix({ ...context, message: withCode }) : `Check the credential, then run \`az login --tenant ${context.tenantId ?? '<tenant>'}\`.`,
      cause: err,
    });
  }
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError' || name === 'AuthenticationRequiredError' || /az login|Azure CLI not found|Please run 'az login'/i.test(message)) {
    return new McpOboError(`${what}not signed in to Azure`, {
      code: 'not-signed-in',
      suggestion: `Run \`az login --tenant ${context.tenantId ?? '<tenant>'}\`, or set AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE, or run in GitHub Actions with \`permissions: id-token: write\` (\`mcp-obo pipeline github\` sets it up).`,
      cause: err,
    });
  }
  if (name === 'AuthenticationError') {
    return new McpOboError(`${what}sign-in failed: ${firstLine(message)}`, { code: 'sign-in-failed', suggestion: `Check the credential, then run \`az login --tenant ${context.tenantId ?? '<tenant>'}\`.`, cause: err });
  }
  switch (code) {
    case 'AuthorizationFailed':
      return new McpOboError(`${what}your account is not allowed to do this (AuthorizationFailed)`, {
        code: 'authorization-failed',
        suggestion: /roleAssignments\/write/i.test(message)
          ? 'Creating role assignments (the AcrPull role, the pipeline identity\'s roles) needs Owner, User Access Administrator or Role Based Access Control Administrator on the subscription or resource group.'
          : `Ask for Contributor (and User Access Administrator) on subscription ${context.subscriptionId ?? ''}, then rerun.`,
        cause: err,
      });
    case 'SubscriptionNotFound':
    case 'InvalidSubscriptionId':
      return new McpOboError(`${what}subscription ${context.subscriptionId ?? ''} was not found or is not visible to your account`, {
        suggestion: 'Run `az account list -o table` to see your subscriptions, then `mcp-obo init --force --subscription <id>`.',
        cause: err,
      });
    case 'Authorization_RequestDenied':
      return new McpOboError(`${what}your account has no right to change this in Entra ID (Authorization_RequestDenied)`, {
        code: 'authorization-denied',
        suggestion: 'Creating app registrations needs the Application Developer role (or users allowed to register apps); consent needs an administrator. Ask an administrator, or run with an account that has these rights.',
        cause: err,
      });
    case 'MissingSubscriptionRegistration':
      return new McpOboError(`${what}a resource provider is not registered in the subscription`, { suggestion: `${firstLine(message)} Run \`az provider register --namespace Microsoft.App\` (and the namespace named), then rerun.`, cause: err });
    case 'QuotaExceeded':
    case 'ManagedEnvironmentCountExceeded':
    case 'MaxNumberOfRegionalEnvironmentsInSubExceeded':
      return new McpOboError(`${what}subscription quota reached (${code})`, { suggestion: 'Delete an unused Container Apps environment or choose another region (`mcp-obo init --force --location <region>`).', cause: err });
    case 'RegistryNameNotAvailable':
    case 'AlreadyInUse':
      return new McpOboError(`${what}the registry name is already taken`, { suggestion: 'Choose another deployment id: `mcp-obo init --force --id <new id>`.', cause: err });
  }
  return new McpOboError(`${what}${firstLine(message)}${status ? ` (HTTP ${status}${code ? ` ${code}` : ''})` : ''}`, { cause: err });
}

function firstLine(s: string): string {
  return s.split(/\r?\n/)[0]!.slice(0, 400);
}
