/** Turning tool outcomes into MCP results: structured data, or a plain error with the fix. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { OboError } from '../obo/errors.ts';
import { DownstreamError } from '../downstream/http.ts';
import { fromGraphClient } from '../downstream/graph-client.ts';
import type { UserClaims } from '../auth/verifier.ts';
import type { Logger } from '../logger.ts';
import { isToolError } from '../../tools/define.ts';

/** Results bigger than this are refused with advice rather than sent (a model cannot use 10 MB of JSON). */
export const MAX_RESULT_CHARS = 256 * 1024;

/** A tool that uses an API it declared no scopes for: a mistake in the tool, said plainly. */
export class ToolScopeError extends Error {}

export function ok<T extends Record<string, unknown>>(data: T): CallToolResult {
  // Compact: the text is for models and clients, and indentation costs on every call.
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

export function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** Errors a client may see: our typed ones say what to do; anything else stays opaque. */
export function describeFailure(err: unknown, scopes: readonly string[] = []): { message: string; retryable: boolean; claims?: string; known: boolean } {
  const typed = fromGraphClient(err, scopes) ?? err;
  if (typed instanceof OboError) return { message: typed.message, retryable: typed.retryable, claims: typed.claims, known: true };
  if (typed instanceof DownstreamError) return { message: typed.message, retryable: typed.retryable, claims: typed.claims, known: true };
  if (isToolError(typed)) return { message: typed.message, retryable: typed.retryable, known: true };
  if (typed instanceof ToolScopeError) return { message: typed.message, retryable: false, known: true };
  return { message: 'The tool failed unexpectedly; the server logged the details.', retryable: false, known: false };
}

export function failure(err: unknown, tool: string, user: UserClaims | undefined, logger: Logger, scopes: readonly string[] = []): CallToolResult {
  const { message, retryable, claims, known } = describeFailure(err, scopes);
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
