// In-process entry point of the test emulator: Entra ID (incl. device code), managed identity, Microsoft Graph
// (directory and /me), Azure Resource Manager (incl. ACR Tasks and Container Apps that really run the built
// server), Blob Storage for build sources and run logs, the Container Apps log stream, Azure DevOps.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AcrStore } from './core/acrStore.ts';
import { BlobStore } from './core/blobs.ts';
import { PublicDns, type PublicDnsApi } from './core/dns.ts';
import { Directory, type EmulatedCloud } from './core/directory.ts';
import { FaultRegistry } from './core/faults.ts';
import { GraphStore } from './core/graphStore.ts';
import { ArmInventory } from './core/inventory.ts';
import { KeyStore } from './core/keys.ts';
import { Router } from './core/router.ts';
import { Pipeline } from './core/server.ts';
import { Timing } from './core/timing.ts';
import { createTls } from './core/tls.ts';
import { EmulatorClock } from './core/clock.ts';
import { createProxy } from './core/proxy.ts';
import { registerLogStream } from './services/aca/logstream.ts';
import { AcaRuntime } from './services/aca/runtime.ts';
import { registerArm } from './services/arm/index.ts';
import { assignRole } from './services/arm/rbac.ts';
import { registerBlob } from './services/blob.ts';
import { registerRegistryDataPlane } from './services/acrDataPlane.ts';
import { registerControl } from './services/control.ts';
import { type AcaSwitches, type AcrSwitches, type DeviceCodeSwitches, deploySwitches } from './services/deploySwitches.ts';
import { registerAzdo, registerDevops } from './services/devops.ts';
import { AZDO_PREFIX, sampleServices, type SampleServices } from './services/sample.ts';
import { DeviceCodes } from './services/entra/deviceCode.ts';
import { AuthCodes } from './services/entra/authorize.ts';
import { registerEntra } from './services/entra/index.ts';
import { mintUserToken, type TokenEnv } from './services/entra/issue.ts';
import { makeFaultBody } from './services/faultBodies.ts';
import { registerGraph } from './services/graph/index.ts';
import { registerMi } from './services/mi.ts';
import { GITHUB_ISSUER, GithubActions, registerGithub } from './services/github.ts';
import { armSwitches, type ArmSwitches, graphSwitches, type GraphSwitches, type SwitchEnv } from './services/switches.ts';
import type { ConsentKey, EmulatorState, Latency, MintOptions, Propagation, RequestLogEntry, User } from './types.ts';

export type { ArmErrorInfo, ConsentKey, EmulatorState, FaultEntry, FaultRule, GraphState, Latency, MintOptions, Propagation, RequestLogEntry, User } from './types.ts';
export type { FaultRegistry } from './core/faults.ts';
export type { ArmSwitches, GraphSwitches } from './services/switches.ts';
export type { AcaSwitches, AcrSwitches, DeviceCodeSwitches } from './services/deploySwitches.ts';
export type { AcrImage } from './core/acrStore.ts';
export type { GithubJob } from './services/github.ts';
export type { DnsRecord, DnsType, PublicDnsApi } from './core/dns.ts';

export interface EmulatorOptions {
  /** HTTPS port (default: random). */
  port?: number;
  /** Plain-http managed-identity port (default: random). */
  miPort?: number;
  /** Lifetime of issued tokens in seconds (default 3600). */
  tokenLifetimeSec?: number;
  /** Which Azure cloud the tenant lives in: its token-exchange audience and the issuer of managed-identity tokens (default AzureCloud). */
  cloud?: EmulatedCloud;
  /** Replication windows from the start (default none); provisioning tests turn them on, as Entra and ARM have them. */
  propagation?: Propagation;
}

export interface Emulator {
  url: string;
  /**
   * A CONNECT proxy to the registries' data plane at their real host names (`<name>.azurecr.io`). The CLI
   * reaches it with Node's proxy settings: { NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: proxyUrl, NO_PROXY: '127.0.0.1,localhost' }.
   */
  proxyUrl: string;
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
  /** The user the CLI acts as (through a fake `az` later); today the default user. */
  cliUser: User;
  addUser(partial?: Partial<User>): User;
  setUser(oid: string, patch: Partial<User>): User;
  setConsent(app: ConsentKey, granted: boolean): void;
  /** The server app's admin-consented delegated permissions on Graph or DevOps (default Graph User.Read, DevOps vso.profile). */
  setConsentedScopes(app: ConsentKey, scopes: string[]): void;
  /** Revokes a user's sessions now (as revokeSignInSessions or a password reset): CAE-capable tokens issued before are challenged by Graph. */
  revokeSessions(oid: string): void;
  mintUserToken(o?: MintOptions): Promise<string>;
  faults: FaultRegistry;
  rotateKeys(): void;
  retireOldKeys(): void;
  requests: RequestLogEntry[];
  /** ARM switches: provider registration, write denial, taken registry names, PrincipalNotFound, Retry-After, LRO failure. */
  arm: ArmSwitches;
  /** Graph switches: verified domains, write denial, app-creation policy, DevOps service principal, deployer roles. */
  graph: GraphSwitches;
  /** ACR: Tasks refusal, build failure, registry contents (images, pushImage). */
  acr: AcrSwitches;
  /** Container Apps: replica readiness timeout, replicas' console output. */
  aca: AcaSwitches;
  /** Device-code sign-in: who approves (default: cliUser on the first poll), interval, lifetime, approve(). */
  deviceCode: DeviceCodeSwitches;
  /** Browser sign-in at the v2 authorize endpoint: who is signed in (an oid; default the default user) and how long codes live. */
  authorize: AuthCodes;
  /** Web redirect URIs of a built-in app (the server app's are `http://localhost:8000/oauth/callback`, as provision registers). */
  setWebRedirectUris(clientId: string, uris: string[]): void;
  /**
   * Public DNS as custom domain validation sees it (CNAME and TXT); Azure DNS zones created through ARM write into it.
   * A custom host name H of app A in environment E needs CNAME H -> `A.<E defaultDomain>` and TXT `asuid.H` = the
   * subscription's customDomainVerificationId (emu.aca.customDomainVerificationId).
   */
  dns: PublicDnsApi;
  /**
   * Emulated time for what tokens carry and are checked against (issued-at, expiry, client assertions, GitHub's
   * tokens): advance() simulates a long run without waiting. Latencies and timers stay on real time.
   */
  clock: EmulatorClock;
  /** GitHub Actions' OIDC provider: the job (repository, ref, event, environment, immutable subjects) and runnerEnv() for a step. */
  github: GithubActions;
  /** Conditional Access for workload identities: block(clientId) answers its sign-ins with AADSTS53003. */
  conditionalAccess: { block(clientId: string): void; unblock(clientId: string): void };
  /** Propagation windows in ms (default 0): Graph objects by id, new MI principals in ARM, new secrets at the token endpoint. */
  setPropagation(p: Propagation): void;
  /**
   * Every client secret made so far replicates for `ms` more from now (AADSTS7000215 until then): a secret just
   * made, whatever time the run that made it took on a busy machine.
   */
  holdSecrets(ms: number): void;
  /**
   * Per ARM resource type (e.g. 'Microsoft.App/managedEnvironments') or 'graph': sync writes answer after it, LROs stay InProgress
   * for it. 'Microsoft.ContainerRegistry/registries/runs' is a build's duration (default 200 ms).
   */
  setLatency(l: Latency): void;
  /** Entra, ARM inventory, Graph directory and registry contents, as GET /_emulator/state returns them. */
  state(): EmulatorState;
  /** The product's sample tenant (src/dev/sample) behind Graph (mail, calendar, files, SharePoint) and DevOps at `{url}/azdo`. */
  sample: SampleServices['tenant'];
  /** MCP_OBO_DEVOPS_API_ENDPOINT for servers under test: the sample DevOps organisation APIs. */
  devopsApiUrl: string;
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
  let port = 0;
  let miPort: number;
  let proxyPort: number;
  const proxy = createProxy(() => port);
  try {
    port = await listen(https, opts.port ?? 0);
    miPort = await listen(mi, opts.miPort ?? 0);
    proxyPort = await listen(proxy.server, 0);
  } catch (e) {
    await Promise.all([closeServer(https), closeServer(mi), closeServer(proxy.server)]);
    await rm(tempDir, { recursive: true, force: true });
    throw e;
  }
  const url = `https://127.0.0.1:${port}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const identityEndpoint = `http://127.0.0.1:${miPort}/msi/token`;
  const dir = new Directory(url, opts.cloud);
  const clock = new EmulatorClock();
  const github = new GithubActions(url, clock);
  const tokens: TokenEnv = { dir, keys, lifetimeSec: opts.tokenLifetimeSec ?? 3600, clock, issuers: new Map([[GITHUB_ISSUER, github.keys]]) };
  const timing = new Timing({ 'Microsoft.ContainerRegistry/registries/runs': 200 });
  if (opts.propagation) timing.setPropagation(opts.propagation);
  const store = new GraphStore(dir, timing);
  const inv = new ArmInventory();
  // The rights the deployer and the default user were given: Owner of the subscription (tests give others less).
  assignRole(inv, dir.subscriptionId, dir.deployer.spObjectId, 'ServicePrincipal', 'Owner');
  assignRole(inv, dir.subscriptionId, dir.defaultUser.oid, 'User', 'Owner');
  const acr = new AcrStore();
  const blobs = new BlobStore(url);
  const miHeaders = new Map<string, () => string[]>();
  const aca = new AcaRuntime({ url, caCertPath, identityEndpoint, tls: { certPem: tls.certPem, keyPem: tls.keyPem }, workDir: join(tempDir, 'aca'), inv, acr, store, miHeaders });
  const codes = new DeviceCodes();
  const authCodes = new AuthCodes();
  const dns = new PublicDns();
  const deployEnv = { url, inv, acr, aca, codes, dir };
  const deploy = deploySwitches(deployEnv);
  const switches: SwitchEnv = { timing, inv, store, arm: armSwitches(inv, store), graph: graphSwitches(store), deploy, deployEnv, dns };
  const pushByLoginServer = (loginServer: string, image: string): boolean => {
    const reg = inv.snapshot().find((r) => r.type === 'Microsoft.ContainerRegistry/registries' && (r.properties as Record<string, unknown>)?.loginServer === loginServer);
    if (!reg) return false;
    deploy.acr.pushImage(String(reg.name), image);
    return true;
  };
  const state = (): EmulatorState => ({ entra: dir.snapshot(), arm: inv.snapshot(), graph: store.snapshot(), acr: acr.snapshot(), dns: dns.records() });
  late.faultBody = makeFaultBody(url);

  const info = (): Record<string, unknown> => ({
    url, proxyUrl, caCertPath, tenantId: dir.tenantId, subscriptionId: dir.subscriptionId,
    clientId: dir.deployer.clientId, clientSecret: dir.deployer.secrets[0],
    identityEndpoint, identityHeader,
    serverApp: { clientId: dir.serverApp.clientId, clientSecret: dir.serverApp.secrets[0] },
    managedIdentity: { ...dir.managedIdentity },
    defaultUser: structuredClone(dir.defaultUser),
  });

  registerControl(router, { tokens, faults, log, info, state, switches });
  registerEntra(router, tokens, codes, authCodes);
  const sample = sampleServices(dir);
  registerGraph(router, { ...tokens, store, timing, sample: sample.graph });
  registerBlob(router, blobs);
  registerRegistryDataPlane(router, { tokens, inv, push: (loginServer, image) => pushByLoginServer(loginServer, image) });
  // Before ARM: the log stream's paths start with /subscriptions/ too.
  registerLogStream(router, { inv, aca, subscriptionId: dir.subscriptionId });
  registerArm(router, { ...tokens, inv, store, timing, acr, blobs, aca, dns });
  registerDevops(router, tokens);
  registerGithub(router, github);
  registerAzdo(router, tokens, sample.devops);
  registerMi(miRouter, { ...tokens, identityHeader, appHeaders: miHeaders });
  ready = true;

  let closing: Promise<void> | undefined;
  return {
    url, proxyUrl, caPem: tls.caPem, caCertPath, tenantId: dir.tenantId, subscriptionId: dir.subscriptionId, identityEndpoint, identityHeader,
    deployer: { clientId: dir.deployer.clientId, clientSecret: dir.deployer.secrets[0]! },
    serverApp: { clientId: dir.serverApp.clientId, clientSecret: dir.serverApp.secrets[0]! },
    managedIdentity: { ...dir.managedIdentity },
    defaultUser: dir.defaultUser,
    cliUser: dir.defaultUser,
    addUser: (partial) => dir.addUser(partial),
    setUser: (oid, patch) => dir.setUser(oid, patch),
    setConsent: (app, granted) => dir.setConsent(app, granted),
    setConsentedScopes: (app, scopes) => dir.setConsentedScopes(app, scopes),
    revokeSessions: (oid) => void dir.setUser(oid, { revokedAt: Math.floor(Date.now() / 1000) + 1 }),
    mintUserToken: (o) => mintUserToken(tokens, o),
    faults,
    rotateKeys: () => keys.rotate(),
    retireOldKeys: () => keys.retire(),
    requests: log,
    arm: switches.arm,
    graph: switches.graph,
    acr: deploy.acr,
    aca: deploy.aca,
    deviceCode: deploy.deviceCode,
    authorize: authCodes,
    setWebRedirectUris: (clientId, uris) => {
      const app = dir.findApp(clientId);
      if (!app || app.graphManaged) throw new RangeError(`${clientId} is not a built-in app (Graph-managed apps change through Graph)`);
      app.webRedirectUris = [...uris];
    },
    dns,
    clock,
    github,
    conditionalAccess: { block: (id) => void dir.blockedByConditionalAccess.add(id.toLowerCase()), unblock: (id) => void dir.blockedByConditionalAccess.delete(id.toLowerCase()) },
    setPropagation: (p) => timing.setPropagation(p),
    holdSecrets: (ms) => store.holdSecrets(ms),
    setLatency: (l) => timing.setLatency(l),
    state,
    info,
    sample: sample.tenant,
    devopsApiUrl: `${url}${AZDO_PREFIX}`,
    close: () => {
      closing ??= (async () => {
        pipeline.cancelTimers();
        timing.cancel();
        await aca.close();
        proxy.destroyTunnels();
        await Promise.all([closeServer(https), closeServer(mi), closeServer(proxy.server)]);
        await rm(tempDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
