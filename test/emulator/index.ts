// In-process entry point of the test emulator: Entra ID, managed identity, Graph /me, Azure DevOps.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directory } from './core/directory.ts';
import { FaultRegistry } from './core/faults.ts';
import { KeyStore } from './core/keys.ts';
import { Router } from './core/router.ts';
import { Pipeline } from './core/server.ts';
import { createTls } from './core/tls.ts';
import { registerControl } from './services/control.ts';
import { registerDevops } from './services/devops.ts';
import { registerEntra } from './services/entra/index.ts';
import { mintUserToken, type TokenEnv } from './services/entra/issue.ts';
import { makeFaultBody } from './services/faultBodies.ts';
import { registerGraph } from './services/graph.ts';
import { registerMi } from './services/mi.ts';
import type { ConsentKey, MintOptions, RequestLogEntry, User } from './types.ts';

export type { ConsentKey, FaultEntry, FaultRule, MintOptions, RequestLogEntry, User } from './types.ts';
export type { FaultRegistry } from './core/faults.ts';

export interface EmulatorOptions {
  /** HTTPS port (default: random). */
  port?: number;
  /** Plain-http managed-identity port (default: random). */
  miPort?: number;
  /** Lifetime of issued tokens in seconds (default 3600). */
  tokenLifetimeSec?: number;
}

export interface Emulator {
  url: string;
  caPem: string;
  caCertPath: string;
  tenantId: string;
  subscriptionId: string;
  identityEndpoint: string;
  identityHeader: string;
  deployer: { clientId: string; clientSecret: string };
  serverApp: { clientId: string; clientSecret: string };
  managedIdentity: { clientId: string; principalId: string; resourceId: string };
  defaultUser: User;
  addUser(partial?: Partial<User>): User;
  setUser(oid: string, patch: Partial<User>): User;
  setConsent(app: ConsentKey, granted: boolean): void;
  mintUserToken(o?: MintOptions): Promise<string>;
  faults: FaultRegistry;
  rotateKeys(): void;
  retireOldKeys(): void;
  requests: RequestLogEntry[];
  /** Connection details as printed by main.ts (also GET /_emulator/info). */
  info(): Record<string, unknown>;
  close(): Promise<void>;
}

function listen(server: HttpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const tls = await createTls();
  const tempDir = await mkdtemp(join(tmpdir(), 'mcp-obo-emulator-'));
  const caCertPath = join(tempDir, 'ca.pem');
  await writeFile(caCertPath, tls.caPem);

  const log: RequestLogEntry[] = [];
  const faults = new FaultRegistry();
  const keys = new KeyStore();
  const identityHeader = randomBytes(24).toString('hex');
  const router = new Router();
  const miRouter = new Router();
  const late: { faultBody?: ReturnType<typeof makeFaultBody> } = {};
  const pipeline = new Pipeline({ log, faults, faultBody: (p, s) => late.faultBody!(p, s) });

  let ready = false;
  const gate = (inner: ReturnType<Pipeline['handler']>): ReturnType<Pipeline['handler']> => (req, res) => {
    if (ready) return inner(req, res);
    res.writeHead(503, { 'retry-after': '1' }).end();
  };
  const https = createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, gate(pipeline.handler('https', router)));
  const mi = createHttpServer(gate(pipeline.handler('mi', miRouter)));
  let port: number;
  let miPort: number;
  try {
    port = await listen(https, opts.port ?? 0);
    miPort = await listen(mi, opts.miPort ?? 0);
  } catch (e) {
    await Promise.all([closeServer(https), closeServer(mi)]);
    await rm(tempDir, { recursive: true, force: true });
    throw e;
  }
  const url = `https://127.0.0.1:${port}`;
  const identityEndpoint = `http://127.0.0.1:${miPort}/msi/token`;
  const dir = new Directory(url);
  const tokens: TokenEnv = { dir, keys, lifetimeSec: opts.tokenLifetimeSec ?? 3600 };
  late.faultBody = makeFaultBody(url);

  const info = (): Record<string, unknown> => ({
    url, caCertPath, tenantId: dir.tenantId, subscriptionId: dir.subscriptionId,
    clientId: dir.deployer.clientId, clientSecret: dir.deployer.secrets[0],
    identityEndpoint, identityHeader,
    serverApp: { clientId: dir.serverApp.clientId, clientSecret: dir.serverApp.secrets[0] },
    managedIdentity: { ...dir.managedIdentity },
    defaultUser: structuredClone(dir.defaultUser),
  });

  registerControl(router, { tokens, faults, log, info });
  registerEntra(router, tokens);
  registerGraph(router, tokens);
  registerDevops(router, tokens);
  registerMi(miRouter, { ...tokens, identityHeader });
  ready = true;

  let closing: Promise<void> | undefined;
  return {
    url, caPem: tls.caPem, caCertPath, tenantId: dir.tenantId, subscriptionId: dir.subscriptionId, identityEndpoint, identityHeader,
    deployer: { clientId: dir.deployer.clientId, clientSecret: dir.deployer.secrets[0]! },
    serverApp: { clientId: dir.serverApp.clientId, clientSecret: dir.serverApp.secrets[0]! },
    managedIdentity: { ...dir.managedIdentity },
    defaultUser: dir.defaultUser,
    addUser: (partial) => dir.addUser(partial),
    setUser: (oid, patch) => dir.setUser(oid, patch),
    setConsent: (app, granted) => dir.setConsent(app, granted),
    mintUserToken: (o) => mintUserToken(tokens, o),
    faults,
    rotateKeys: () => keys.rotate(),
    retireOldKeys: () => keys.retire(),
    requests: log,
    info,
    close: () => {
      closing ??= (async () => {
        pipeline.cancelTimers();
        await Promise.all([closeServer(https), closeServer(mi)]);
        await rm(tempDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
