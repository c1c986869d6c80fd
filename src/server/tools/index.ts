/**
 * Runs tools made with defineTool (the packs' and the user's alike): each call gets a context whose
 * Graph, DevOps and fetchAs clients hold OBO tokens for exactly that tool's scopes, so one tool's
 * missing consent never touches another. Registered on a fresh McpServer per request (stateless).
 */
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Clock } from '../../clock.ts';
import type { Tool, ToolContext } from '../../tools/define.ts';
import type { OboClient } from '../obo/client.ts';
import { apiName } from '../obo/client.ts';
import type { Logger } from '../logger.ts';
import type { KeyedLimiter } from '../limits.ts';
import { authorizedFetch, type Caller } from '../downstream/access.ts';
import { graphClient } from '../downstream/graph-client.ts';
import { devopsClient, type DevOpsEndpoints } from '../downstream/devops-client.ts';
import { describeFailure, failure, MAX_RESULT_CHARS, ok, text, ToolScopeError, userOf } from './result.ts';

export interface ToolDeps {
  obo: OboClient;
  /** fetch through the outbound agent. */
  fetch: typeof fetch;
  endpoints: { graph: string; devops: DevOpsEndpoints };
  clock: Clock;
  logger: Logger;
  /** Caps each user's concurrent downstream calls (token exchanges and API requests). */
  limiter: KeyedLimiter;
  /** The tools to offer, read per request (a `--watch` reload swaps them). */
  tools: () => readonly Tool[];
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const NO_INPUT = z.object({});

export function registerTools(server: McpServer, deps: ToolDeps): void {
  for (const tool of deps.tools()) {
    server.registerTool(
      tool.name,
      // Always a schema: without one the SDK calls the handler with `extra` alone.
      { title: tool.title, description: tool.description, inputSchema: tool.input ?? NO_INPUT, outputSchema: tool.output, annotations: tool.annotations },
      (async (args: unknown, extra: Extra): Promise<CallToolResult> => {
        const { token, user } = userOf(extra.authInfo);
        const scopes = Object.values(tool.scopes).flat();
        try {
          const result = await tool.handler((args ?? {}) as never, contextFor(tool, { assertion: token, user, signal: extra.signal }, extra, deps));
          const out = typeof result === 'string' ? text(result) : ok(result as Record<string, unknown>);
          const size = (out.content[0] as { text: string }).text.length;
          if (size > MAX_RESULT_CHARS) {
            deps.logger.warn('tool.result_too_large', { tool: tool.name, oid: user.oid, chars: size });
            return { isError: true, content: [{ type: 'text', text: `The result is too large to return (${Math.ceil(size / 1024)} KB, at most ${MAX_RESULT_CHARS / 1024} KB): ask for fewer items or a narrower search.` }] };
          }
          return out;
        } catch (err) {
          return failure(err, tool.name, user, deps.logger, scopes);
        }
      }) as never,
    );
  }
}

function contextFor(tool: Tool, caller: Caller, extra: Extra, deps: ToolDeps): ToolContext {
  const access = { obo: deps.obo, fetch: deps.fetch, clock: deps.clock, limiter: deps.limiter, logger: deps.logger };
  const origins: Record<string, string[]> = { graph: [deps.endpoints.graph], devops: [deps.endpoints.devops.api, deps.endpoints.devops.profile] };
  const fetchFor = (resource: string) => {
    const scopes = tool.scopes[resource];
    if (!scopes) {
      const key = resource === 'graph' || resource === 'devops' ? resource : JSON.stringify(resource);
      throw new ToolScopeError(`The tool ${tool.name} calls ${apiName(resource)} but declares no permissions for it: add scopes: { ${key}: [...] } to its definition.`);
    }
    const fetchAs = authorizedFetch(access, caller, { resource, scopes });
    const allowed = origins[resource]?.map((u) => new URL(u).origin);
    if (!allowed) return fetchAs;
    // The user's Graph and DevOps tokens go to those services only.
    return (url: string | URL, init?: RequestInit) => {
      if (!allowed.includes(new URL(url).origin)) throw new ToolScopeError(`The tool ${tool.name} sent a ${apiName(resource)} token to ${new URL(url).origin}, which is not ${apiName(resource)}.`);
      return fetchAs(url, init);
    };
  };
  let graph: ToolContext['graph'] | undefined;
  let devops: ToolContext['devops'] | undefined;
  const fields = { tool: tool.name, oid: caller.user.oid };
  return {
    user: { oid: caller.user.oid, tid: caller.user.tid, name: caller.user.name ?? null, username: caller.user.preferredUsername ?? null },
    get graph() {
      graph ??= graphClient(fetchFor('graph'), deps.endpoints.graph);
      return graph;
    },
    get devops() {
      devops ??= devopsClient(fetchFor('devops'), deps.endpoints.devops, tool.scopes.devops ?? []);
      return devops;
    },
    fetchAs: fetchFor,
    logger: {
      debug: (event, f) => deps.logger.debug(event, { ...f, ...fields }),
      info: (event, f) => deps.logger.info(event, { ...f, ...fields }),
      warn: (event, f) => deps.logger.warn(event, { ...f, ...fields }),
    },
    signal: caller.signal,
    describeError: (err) => describeFailure(err, Object.values(tool.scopes).flat()).message,
    async progress(done, total, message) {
      const progressToken = extra._meta?.progressToken;
      if (progressToken === undefined) return;
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: done, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) } });
    },
  };
}
