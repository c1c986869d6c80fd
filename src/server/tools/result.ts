/** Turning tool outcomes into MCP results: structured data, or a plain error with the fix. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { OboError } from '../obo/errors.ts';
import { DownstreamError } from '../downstream/http.ts';
import type { UserClaims } from '../auth/verifier.ts';
import type { Logger } from '../logger.ts';

export function ok<T extends Record<string, unknown>>(data: T): CallToolResult {
  // Compact: the text is for models and clients, and indentation costs on every call.
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/** Errors a client may see: our typed ones say what to do; anything else stays opaque. */
export function describeFailure(err: unknown): { message: string; retryable: boolean; claims?: string } {
  if (err instanceof OboError) return { message: err.message, retryable: err.retryable, claims: err.claims };
  if (err instanceof DownstreamError) return { message: err.message, retryable: err.retryable, claims: err.claims };
  return { message: 'The tool failed unexpectedly; the server logged the details.', retryable: false };
}

export function failure(err: unknown, tool: string, user: UserClaims | undefined, logger: Logger): CallToolResult {
  const { message, retryable, claims } = describeFailure(err);
  const known = err instanceof OboError || err instanceof DownstreamError;
  logger[known ? 'warn' : 'error']('tool.failed', { tool, oid: user?.oid, error: known ? message : String((err as Error)?.stack ?? err) });
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    // A Conditional Access challenge for clients that can act on it (re-authenticate with these claims).
    _meta: { 'mcp-obo/retryable': retryable, ...(claims ? { 'mcp-obo/claims': claims } : {}) },
  };
}

export function userOf(authInfo: AuthInfo | undefined): { token: string; user: UserClaims } {
  const user = authInfo?.extra?.user as UserClaims | undefined;
  if (!authInfo?.token || !user) throw new Error('tool called without a verified user');
  return { token: authInfo.token, user };
}
