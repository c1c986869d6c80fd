/**
 * Listens first, loads the app second: the listener answers /health at once (Container Apps'
 * scale-from-zero and the image's HEALTHCHECK wait on it), while the MCP SDK, Express and the
 * auth stack load; any other request waits for them rather than failing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock.ts';
import { derived, type ServerConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { HEALTH_BODY, healthHeaders } from './health.ts';
import type { Outbound } from './outbound.ts';
import type { Tool } from '../tools/define.ts';

export interface RunningServer {
  /** Where it listens, e.g. http://127.0.0.1:8000 */
  url: string;
  server: Server;
  /** Resolves when the full app is loaded. */
  ready: Promise<void>;
  /** The tools offered now (empty until ready). */
  tools(): readonly Tool[];
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** The outbound agent to use (`mcp-obo dev` routes its local services through its own); one is made otherwise. */
  outbound?: Outbound;
  /** Tools given as values (the testing kit), offered after the configured packs and modules. */
  tools?: readonly Tool[];
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** What the app and its first call need, largest first; our own modules come after, in one small stretch. */
const LOAD_STEPS = [
  () => import('express'),
  () => import('@modelcontextprotocol/sdk/server/mcp.js'),
  () => import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
  () => import('undici'),
  () => import('jose'),
  () => import('@microsoft/microsoft-graph-client'),
  () => import('./obo/msal.ts').then((m) => m.loadMsal()),
];

/** The server was closed while its app was still loading: the rest is not loaded, nothing more is logged. */
class Closed extends Error {}

async function loadInSteps<T>(value: T, closed: () => boolean): Promise<T> {
  for (const step of LOAD_STEPS) {
    await new Promise((resolve) => setImmediate(resolve));
    if (closed()) throw new Closed();
    await step();
  }
  return value;
}

export async function startServer(config: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  let app: Handler | undefined;
  let bound: (port: number) => void = () => {};
  const boundPort = new Promise<number>((resolve) => (bound = resolve));

  // Load while binding; wire once the real port is known (--port 0 picks one).
  const effective = (port: number): ServerConfig => (config.publicUrlIsLocalDefault ? { ...config, publicUrl: `http://localhost:${port}` } : config);
  let outbound: { close(): Promise<void> } | undefined;
  let watcher: { close(): void } | undefined;
  let current: readonly Tool[] = [];
  // The app's modules are evaluated in synchronous stretches: imported at once, they were one stretch of
  // about a second, and /health waited behind it. So: listen, then load the big packages one at a time
  // (in the bundled CLI each step is its own chunks: .ci/bundle.ts splits at every import()), and the
  // probe is answered between them.
  let closing = false;
  const appPromise = boundPort.then((port) => loadInSteps(port, () => closing)).then(async (port) => Promise.all([import('./wire.ts'), import('./outbound.ts'), import('../tools/load.ts'), port])).then(async ([{ wireApp }, { createOutbound, OUTBOUND_TIMEOUT_MS }, { loadTools }, port]) => {
    const load = async (version?: number) => (await loadTools({ ...config.tools, cwd: process.cwd(), version, extra: opts.tools })).map((s) => s.tool);
    let tools: readonly Tool[] = (current = await load());
    if (closing) throw new Closed();
    logger.info('tools.loaded', { packs: config.tools.packs, tools: tools.map((t) => t.name) });
    if (config.tools.watch) {
      const { watchTools } = await import('../tools/watch.ts');
      watcher = watchTools(config.tools.modules, async (version) => {
        try {
          tools = current = await load(version);
          logger.info('tools.reloaded', { tools: tools.map((t) => t.name) });
        } catch (err) {
          // The previous tools stay: a half-written file must not take the server down.
          logger.error('tools.reload_failed', { error: (err as Error).message });
        }
      });
    }
    const out = opts.outbound ?? createOutbound({ connectionsPerOrigin: config.limits.maxConnections, timeoutMs: OUTBOUND_TIMEOUT_MS });
    outbound = out;
    const wired = wireApp(effective(port), { clock, logger, outbound: out, tools: () => tools });
    app = wired.app as unknown as Handler;
    // After listening and loading, never before: /health is already answering.
    setImmediate(() => {
      if (!closing) void wired.warm();
    });
    return app;
  });

  const server = createServer((req, res) => {
    if (app) return app(req, res);
    if (req.method === 'GET' && (req.url === '/health' || req.url?.startsWith('/health?'))) {
      res.writeHead(200, healthHeaders(config.revision)).end(HEALTH_BODY);
      return;
    }
    appPromise.then(
      (loaded) => loaded(req, res),
      () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}'),
    );
  });
  // Behind Azure's ingress, idle keep-alive connections must outlive the proxy's own timeout.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  bound(address.port);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const d = derived(effective(address.port));
  logger.info('server.listening', {
    url,
    resource: d.resource,
    authority: d.authority,
    credential: config.credential.kind === 'secret' ? 'client-secret' : 'managed-identity',
    node: process.version,
  });

  return {
    url,
    server,
    // Closed before it finished loading is not a failure to load.
    ready: appPromise.then(
      () => undefined,
      (err: unknown) => (err instanceof Closed ? undefined : Promise.reject(err)),
    ),
    tools: () => current,
    close: async () => {
      closing = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // A load still under way stops at its next step; what it made by then is closed below.
      await appPromise.catch(() => {});
      watcher?.close();
      await outbound?.close().catch(() => {});
    },
  };
}
