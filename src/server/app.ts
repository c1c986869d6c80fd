/**
 * The Express app: health, RFC 9728 metadata, and the stateless MCP endpoint behind bearer auth.
 * Everything it talks to comes in through AppDeps, so tests can build it around fakes.
 */
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Clock } from '../clock.ts';
import { VERSION } from '../version.ts';
import type { Logger } from './logger.ts';
import { registerTools, type ToolDeps } from './tools/index.ts';
import type { UserClaims } from './auth/verifier.ts';
import { mcpCors } from './origin.ts';
import { admission, KeyedLimiter, requestLimits, type LimitSettings } from './limits.ts';
import { HEALTH_BODY, healthHeaders } from './health.ts';

export interface AppSettings {
  /** Canonical MCP resource URL: public URL + '/mcp'. */
  resource: string;
  resourceMetadataUrl: string;
  authorizationServer: string;
  /** Fully qualified scope, e.g. api://{clientId}/access_as_user. */
  scope: string;
  allowedHosts: string[];
  publicOrigin: string;
  logUserNames: boolean;
  /** Browser origins besides the public one allowed to call /mcp (CORS). */
  allowedOrigins: string[];
  limits: LimitSettings;
  /** The Container Apps revision of this replica, named on /health. */
  revision?: string;
}

export interface AppDeps extends Omit<ToolDeps, 'limiter'> {
  verifier: OAuthTokenVerifier;
  clock: Clock;
  logger: Logger;
  /** The authorization facade's routes (MCP_OBO_AUTH=facade); absent when clients go to Entra. */
  facade?: Router;
}

export function createApp(settings: AppSettings, deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(deps, settings.logUserNames));

  // Probes reach the container by IP, so health answers before the Host check; it says nothing else.
  app.get('/health', (_req, res) => {
    res.set(healthHeaders(settings.revision)).send(HEALTH_BODY);
  });

  app.use(hostHeaderValidation(settings.allowedHosts));
  // Before authentication: a browser's preflight carries no token.
  app.use('/mcp', mcpCors(settings.publicOrigin, settings.allowedOrigins));

  const metadata: OAuthProtectedResourceMetadata = {
    resource: settings.resource,
    authorization_servers: [settings.authorizationServer],
    scopes_supported: [settings.scope],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-obo MCP server',
  };
  const metadataPaths = new Set(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource', new URL(settings.resourceMetadataUrl).pathname]);
  for (const path of metadataPaths) app.use(path, metadataHandler(metadata));
  if (deps.facade) app.use(deps.facade);

  const auth = requireBearerAuth({ verifier: deps.verifier, requiredScopes: [settings.scope], resourceMetadataUrl: settings.resourceMetadataUrl });
  const toolDeps: ToolDeps = { ...deps, limiter: new KeyedLimiter(settings.limits.userConcurrency) };
  app.post('/mcp', admission(settings.limits.maxActive), auth, express.json({ limit: '1mb' }), requestLimits(settings.limits, deps.clock, deps.logger), handleMcp(toolDeps));
  // Stateless: no server-initiated stream and no session to delete.
  app.all('/mcp', auth, (_req, res) => {
    res.set('allow', 'POST').status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; use POST.' }, id: null });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function handleMcp(deps: ToolDeps): RequestHandler {
  // The SDK builds an Ajv instance per server unless given one; per-request servers share this.
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  return async (req, res, next) => {
    const server = new McpServer({ name: 'mcp-obo', version: VERSION }, { capabilities: { tools: {} }, jsonSchemaValidator });
    registerTools(server, deps);
    // One JSON answer, unless the client asked for progress: notifications need an event stream.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !wantsProgress(req.body) });
    // Closing aborts what is still running (the client went away mid-call). After a finished answer
    // nothing is, and closing would only build the SDK's "Connection closed" error for no one.
    res.on('close', () => {
      if (!res.writableFinished) void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      next(err);
    }
  };
}

function wantsProgress(body: unknown): boolean {
  const has = (m: unknown) => (m as { params?: { _meta?: { progressToken?: unknown } } } | undefined)?.params?._meta?.progressToken !== undefined;
  return Array.isArray(body) ? body.some(has) : has(body);
}

function requestLog(deps: AppDeps, logUserNames: boolean): RequestHandler {
  return (req, res, next) => {
    const started = deps.clock.now();
    // The path as the client sent it (mounted routers rewrite req.path), without the query: it can hold
    // codes. Every field a client controls is capped, so a request cannot blow up a log line.
    const path = req.originalUrl.split('?')[0]!.slice(0, 200);
    const ua = req.headers['user-agent']?.slice(0, 120);
    res.on('finish', () => {
      const user = ((req as { auth?: AuthInfo }).auth?.extra?.user as UserClaims | undefined) ?? undefined;
      const fields = {
        method: req.method,
        path,
        status: res.statusCode,
        ms: deps.clock.now() - started,
        rpc: path === '/mcp' ? rpcMethod(req.body) : undefined,
        oid: user?.oid,
        ua,
        ...(logUserNames && user ? { user: user.preferredUsername ?? user.name } : {}),
      };
      if (path === '/health') deps.logger.debug('http.request', fields);
      else deps.logger.info('http.request', fields);
    });
    next();
  };
}

function rpcMethod(body: unknown): string | undefined {
  if (Array.isArray(body)) {
    const names = body.slice(0, 5).map((m) => rpcMethod(m) ?? '?');
    return `${names.join(',')}${body.length > 5 ? `,+${body.length - 5}` : ''}`;
  }
  const m = (body as { method?: unknown } | undefined)?.method;
  return typeof m === 'string' ? m.slice(0, 60) : undefined;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: { type?: string; status?: number; message?: string; stack?: string }, _req, res, _next) => {
    if (err.type === 'entity.parse.failed') {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not valid JSON' }, id: null });
      return;
    }
    if (err.type === 'entity.too.large') {
      res.status(413).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large' }, id: null });
      return;
    }
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
      res.status(415).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Unsupported content encoding or charset: send UTF-8 JSON, identity, gzip or deflate' }, id: null });
      return;
    }
    logger.error('http.error', { error: err.stack ?? err.message });
    if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
  };
}
