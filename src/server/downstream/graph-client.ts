/**
 * Microsoft Graph for tools: the official `@microsoft/microsoft-graph-client` Client, with one
 * middleware in place of its default chain that sends every request through `authorizedFetch`
 * (the user's OBO token for the tool's scopes, the outbound agent, CAE and throttling handled
 * there). The default chain is left out on purpose: its retry handler would retry 429s again.
 */
import { Client, GraphClientError, GraphError, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { OboError } from '../obo/errors.ts';
import type { AuthorizedFetch } from './access.ts';
import { refusal } from './errors.ts';
import { DownstreamError } from './http.ts';

export function graphClient(fetchAs: AuthorizedFetch, graphEndpoint: string): Client {
  const middleware: Middleware = {
    async execute(context: Context) {
      try {
        context.response = await fetchAs(context.request as string, context.options as RequestInit);
      } catch (err) {
        // The Graph client rewraps any other error as a GraphError, losing what it says; this passes through.
        if (err instanceof OboError || err instanceof DownstreamError) throw Object.assign(new GraphClientError(err.message), { customError: err });
        throw err;
      }
    },
  };
  return Client.initWithMiddleware({ baseUrl: `${graphEndpoint}/`, defaultVersion: 'v1.0', middleware, customHosts: new Set([new URL(graphEndpoint).hostname]) });
}

/** A Graph client error as the typed error the tool result explains, or undefined when it is not one. */
export function fromGraphClient(err: unknown, scopes: readonly string[]): OboError | DownstreamError | undefined {
  if (err instanceof GraphClientError) {
    const inner = (err as { customError?: unknown }).customError;
    return inner instanceof OboError || inner instanceof DownstreamError ? inner : undefined;
  }
  if (err instanceof GraphError && err.statusCode > 0) {
    const retryAfter = Number((err.headers as Headers | undefined)?.get?.('retry-after'));
    return refusal('Microsoft Graph', scopes, { status: err.statusCode, code: err.code, message: err.message, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined });
  }
  return undefined;
}
