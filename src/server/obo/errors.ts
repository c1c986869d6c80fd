/**
 * What an Entra token-exchange failure means for the user, and what fixes it. The text goes back
 * to the MCP client as a tool error, so it says the cause and the fix and never holds a token.
 */
export type OboFailure =
  | 'consent_required'
  | 'user_not_assigned'
  | 'claims_challenge'
  | 'invalid_user_token'
  | 'server_credential'
  | 'resource_missing'
  | 'timeout'
  | 'unavailable'
  | 'unknown';

export class OboError extends Error {
  readonly failure: OboFailure;
  readonly retryable: boolean;
  /** AADSTS number when Entra sent one. */
  readonly aadsts: string | undefined;
  /** Conditional Access / MFA claims challenge (JSON string) to hand back to the client. */
  readonly claims: string | undefined;
  readonly correlationId: string | undefined;

  constructor(failure: OboFailure, message: string, extra: { aadsts?: string; claims?: string; correlationId?: string; retryable?: boolean; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'OboError';
    this.failure = failure;
    this.aadsts = extra.aadsts;
    this.claims = extra.claims;
    this.correlationId = extra.correlationId;
    this.retryable = extra.retryable ?? (failure === 'timeout' || failure === 'unavailable');
  }
}

interface MsalLikeError {
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  errorNo?: string | number;
  claims?: string;
  correlationId?: string;
  status?: number;
  name?: string;
}

/** Maps an msal-node error for the given downstream API to an OboError with advice. */
export function toOboError(err: unknown, apiName: string): OboError {
  if (err instanceof OboError) return err;
  const e = (err ?? {}) as MsalLikeError;
  const code = aadstsOf(e);
  const base = { aadsts: code, correlationId: e.correlationId, cause: err };

  switch (code) {
    case '65001':
      return new OboError('consent_required', `Admin consent for ${apiName} is missing for this MCP server (AADSTS65001). An administrator must grant it: run \`mcp-obo consent\`.`, base);
    case '50105':
      return new OboError('user_not_assigned', 'You are not assigned to this MCP server (AADSTS50105): only members of its users group may use it. Ask whoever runs the server to add you: `mcp-obo users add <your sign-in name> --deployment <name>` in the folder of its deployment file.', base);
    case '50013':
    case '500133':
    case '50173':
      return new OboError('invalid_user_token', `Entra refused your token for the exchange (AADSTS${code}). Sign in again so your MCP client gets a fresh token.`, base);
    case '700024':
    case '70021':
    case '700211':
    case '700212':
    case '700213':
      return new OboError('server_credential', `The server's federated identity credential does not match its managed identity (AADSTS${code}). An operator should run \`mcp-obo provision\` to repair it.`, base);
    case '7000215':
      // Also the answer for a secret minutes old that has not replicated yet (microsoftgraph/microsoft-graph-docs#17966).
      return new OboError('server_credential', `The server's client secret was refused (AADSTS7000215): it is wrong, or so new that Entra does not accept it yet (that takes a few minutes after \`mcp-obo provision\`). Retry in a minute; if it persists, an operator should run \`mcp-obo provision\` to issue a new one.`, base);
    case '7000222':
    case '7000218':
    case '700027':
      return new OboError('server_credential', `The server's client credential was refused (AADSTS${code}): the secret is wrong or expired. An operator should run \`mcp-obo provision\` to issue a new one.`, base);
    case '500011':
    case '650057':
      return new OboError('resource_missing', `${apiName} is not available to this MCP server in your tenant (AADSTS${code}). An administrator should run \`mcp-obo consent\`.`, base);
  }
  if (e.claims || e.errorCode === 'interaction_required' || ['50076', '50079', '53003', '50158'].includes(code ?? '')) {
    return new OboError('claims_challenge', `Your organisation requires additional sign-in (multi-factor or Conditional Access) for ${apiName}${code ? ` (AADSTS${code})` : ''}. Sign in again in your MCP client and retry.`, { ...base, claims: e.claims || undefined });
  }
  // 90033 / 90036 / 50000 are Entra's "transient error, try again" family.
  const transient = ['90033', '90036', '50000', '90006', '50001'].includes(code ?? '') || e.errorCode === 'temporarily_unavailable' || e.errorCode === 'service_unavailable';
  if (transient || (typeof e.status === 'number' && (e.status >= 500 || e.status === 429))) {
    return new OboError('unavailable', `Entra ID is temporarily unavailable (${code ? `AADSTS${code}` : `HTTP ${e.status}`}); try again shortly.`, base);
  }
  if (e.errorCode === 'network_error' || e.errorCode === 'endpoints_resolution_error' || (err instanceof TypeError && /fetch/i.test(err.message))) {
    return new OboError('unavailable', 'Entra ID could not be reached; try again shortly.', base);
  }
  return new OboError('unknown', `Exchanging your token for ${apiName} failed${code ? ` (AADSTS${code})` : ''}${e.correlationId ? `; correlation id ${e.correlationId}` : ''}.`, base);
}

function aadstsOf(e: MsalLikeError): string | undefined {
  if (e.errorNo !== undefined && e.errorNo !== null && String(e.errorNo) !== '') return String(e.errorNo);
  const m = /AADSTS(\d+)/.exec(e.errorMessage ?? '');
  return m?.[1];
}
