/**
 * The tool API: `defineTool` describes one MCP tool, the delegated permissions it needs per API,
 * and a handler that receives clients already holding On-Behalf-Of tokens for exactly those
 * permissions. Definitions are plain data, checked when defined, so a typo in a scope fails at
 * load time (and in `mcp-obo tools list`) rather than at the first call.
 */
import type { z } from 'zod';
import type { Client as GraphClient } from '@microsoft/microsoft-graph-client';

/**
 * Delegated permissions per API: `graph` (Microsoft Graph, e.g. `Mail.Read`), `devops` (Azure
 * DevOps, e.g. `vso.work`), or any Entra-protected API by its identifier URI
 * (`'api://contoso-expenses': ['Expenses.Read']`).
 */
export type ToolScopes = { readonly graph?: readonly string[]; readonly devops?: readonly string[] } & { readonly [identifierUri: string]: readonly string[] | undefined };

/** MCP tool annotations: hints for clients (and `mcp-obo test`, which calls only read-only tools). */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolUser {
  /** Entra object id. */
  oid: string;
  /** Tenant id. */
  tid: string;
  name: string | null;
  /** preferred_username / upn, when the token has one. */
  username: string | null;
}

export interface DevOpsRequestInit {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON (or as given with `contentType`, e.g. `application/json-patch+json`). */
  body?: unknown;
  contentType?: string;
  /** Default `7.1`. */
  apiVersion?: string;
}

export interface DevOpsOrganization {
  id: string;
  name: string;
  url: string;
}

export interface DevOpsProfile {
  id: string;
  displayName: string | null;
  emailAddress: string | null;
  publicAlias: string | null;
}

/** Azure DevOps as the user, with a token for exactly the tool's `devops` scopes. */
export interface DevOpsClient {
  /** A JSON call to an organisation's REST API: `https://dev.azure.com/{organization}/{path}`. */
  request<T = unknown>(organization: string, path: string, init?: DevOpsRequestInit): Promise<T>;
  /** The user's profile (needs `vso.profile`). */
  profile(): Promise<DevOpsProfile>;
  /** The organisations the user belongs to (needs `vso.profile`). */
  organizations(): Promise<DevOpsOrganization[]>;
}

/** fetch with the user's OBO token for one API (the tool's scopes for it) in the Authorization header. */
export type AuthorizedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Logs one JSON line per event with the tool and the user's oid; tokens are never written. */
export interface ToolLogger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

export interface ToolContext {
  user: ToolUser;
  /** Microsoft Graph (`@microsoft/microsoft-graph-client`), as the user, for the tool's `graph` scopes. */
  graph: GraphClient;
  devops: DevOpsClient;
  /** fetch for another API, named as in `scopes` by its identifier URI. */
  fetchAs(resource: string): AuthorizedFetch;
  logger: ToolLogger;
  /** Aborted when the client cancels the call or disconnects. */
  signal: AbortSignal;
  /** An MCP progress notification (sent only when the client asked for progress). */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /** What the client would be told about an error (consent advice, throttling, …), for partial results. */
  describeError(err: unknown): string;
}

type Shape = z.ZodObject;
type Output<O> = O extends z.ZodObject ? z.input<O> : Record<string, unknown> | string;

export interface ToolDefinition<I extends Shape = Shape, O extends Shape | undefined = Shape | undefined> {
  /** Unique among the server's tools: letters, digits, `_` and `-`, at most 64. */
  name: string;
  title?: string;
  /** What the tool does and when to use it: the model reads this. */
  description: string;
  input?: I;
  /** When given, results are validated against it and sent as structured content. */
  output?: O;
  annotations?: ToolAnnotations;
  scopes: ToolScopes;
  /** Arguments `mcp-obo test` calls a read-only tool with (default `{}`). */
  testInput?: z.input<I>;
  handler(input: z.output<I>, ctx: ToolContext): Promise<Output<O>>;
}

/** A defined tool. Recognised across copies of the package by its brand. */
export interface Tool<I extends Shape = Shape, O extends Shape | undefined = Shape | undefined> extends Readonly<ToolDefinition<I, O>> {
  readonly scopes: Readonly<Record<string, readonly string[]>>;
  readonly brand: typeof TOOL_BRAND;
}

export const TOOL_BRAND = 'mcp-obo/tool';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SCOPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$/;

/** Whether a resource key of `scopes` is well formed: `graph`, `devops` or an absolute api:// / https:// URI. */
export function isResourceKey(key: string): boolean {
  if (key === 'graph' || key === 'devops') return true;
  let url: URL;
  try {
    url = new URL(key);
  } catch {
    return false;
  }
  return (url.protocol === 'api:' || url.protocol === 'https:') && !url.search && !url.hash && !key.endsWith('/');
}

export function defineTool<I extends Shape = z.ZodObject<Record<never, never>>, O extends Shape | undefined = undefined>(def: ToolDefinition<I, O>): Tool<I, O> {
  const where = `tool ${JSON.stringify(def?.name)}`;
  if (typeof def?.name !== 'string' || !NAME.test(def.name)) throw new TypeError(`${where}: the name must be 1-64 letters, digits, _ or -`);
  if (typeof def.description !== 'string' || !def.description.trim()) throw new TypeError(`${where}: a description is required (the model reads it to choose the tool)`);
  if (typeof def.handler !== 'function') throw new TypeError(`${where}: a handler function is required`);
  if (!def.scopes || typeof def.scopes !== 'object') throw new TypeError(`${where}: scopes are required, e.g. { graph: ['User.Read'] } ({} for a tool that calls no API)`);
  const scopes: Record<string, string[]> = {};
  for (const [resource, list] of Object.entries(def.scopes)) {
    if (list === undefined) continue;
    if (!isResourceKey(resource)) throw new TypeError(`${where}: "${resource}" is not an API: use graph, devops, or the API's identifier URI (api://… or https://…)`);
    if (!Array.isArray(list) || list.length === 0) throw new TypeError(`${where}: scopes.${resource} must list at least one permission`);
    for (const s of list) {
      if (typeof s !== 'string' || !SCOPE.test(s) || s === '.default') throw new TypeError(`${where}: "${String(s)}" is not a delegated permission name (like Mail.Read or vso.work)`);
    }
    scopes[resource] = [...new Set(list)].sort();
  }
  return Object.freeze({ ...def, scopes: Object.freeze(scopes), annotations: def.annotations ? Object.freeze({ ...def.annotations }) : undefined, brand: TOOL_BRAND }) as Tool<I, O>;
}

/** Whether a value is a tool made by defineTool (from any copy of mcp-obo). */
export function isTool(value: unknown): value is Tool {
  return typeof value === 'object' && value !== null && (value as { brand?: unknown }).brand === TOOL_BRAND && typeof (value as { handler?: unknown }).handler === 'function';
}

/**
 * An error whose message the MCP client may see ("No work item 42 in contoso/Fabrikam"). Any other
 * error a handler throws is logged on the server and reported to the client without details.
 */
export class ToolError extends Error {
  readonly brand = 'mcp-obo/tool-error';
  /** Whether trying again later may help. */
  readonly retryable: boolean;

  constructor(message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ToolError';
    this.retryable = opts.retryable ?? false;
  }
}

/** Whether an error is a ToolError (from any copy of mcp-obo). */
export function isToolError(err: unknown): err is ToolError {
  return err instanceof Error && (err as { brand?: unknown }).brand === 'mcp-obo/tool-error';
}
