/**
 * `mcp-obo/tools`: write your own MCP tools for an mcp-obo server.
 *
 *   import { defineTool, z } from 'mcp-obo/tools';
 *   export default defineTool({ name: 'my_tool', description: '…', scopes: { graph: ['Mail.Read'] }, input: z.object({…}), handler: async (input, ctx) => … });
 *
 * `z` is the zod the server validates with; use it so schemas and server agree.
 */
export { z } from 'zod';
export { defineTool, isTool, isResourceKey, ToolError, isToolError } from './define.ts';
export type { Tool, ToolDefinition, ToolContext, ToolScopes, ToolAnnotations, ToolUser, ToolLogger, DevOpsClient, DevOpsRequestInit, DevOpsProfile, DevOpsOrganization, AuthorizedFetch } from './define.ts';
export { READ_ONLY, WRITES, DESTRUCTIVE, truncate, graphPage, readCapped, type Page } from './helpers.ts';
export { ResponseType } from '@microsoft/microsoft-graph-client';
