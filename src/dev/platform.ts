/**
 * The local platform behind `mcp-obo dev`: one plain-http listener on 127.0.0.1 that answers, by
 * Host, as Entra ID (login.mcp-obo.localhost, reached by the server through devConnector), as
 * Microsoft Graph and Azure DevOps from the sample tenant (checking each token's audience and
 * scopes as those APIs do), and, at localhost:{port}, the browser's sign-in page.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSampleDevOps } from './sample/devops.ts';
import { createSampleGraph } from './sample/graph.ts';
import type { SampleHandler, SampleRequest, SampleResponse } from './sample/http.ts';
import { SampleTenant, type SampleUser } from './sample/tenant.ts';
import { DEV_TENANT_ID, DEVOPS_APP_ID, GRAPH_APP_ID, newDevApp, SAMPLE_USERS, type DevApp } from './identity/directory.ts';
import { createLocalEntra, type LocalEntra, type PlatformRequest, type PlatformResponse } from './identity/entra.ts';
import { createSigningKey, type SigningKey } from './identity/keys.ts';
import { DEV_HOSTS } from './outbound.ts';

export interface DevPlatform {
  /** `http://localhost:{port}`: the sign-in page's origin. */
  browserUrl: string;
  port: number;
  tenantId: string;
  app: DevApp;
  users: readonly SampleUser[];
  tenant: SampleTenant;
  /** The endpoints the server is configured with (https on *.mcp-obo.localhost). */
  endpoints: { authorityHost: string; graph: string; devopsProfile: string; devopsApi: string };
  entra: LocalEntra;
  close(): Promise<void>;
}

/** The server settings that point it at the platform: its tenant, its app and secret, its endpoints. */
export function platformServerEnv(p: DevPlatform): Record<string, string> {
  return {
    AZURE_TENANT_ID: p.tenantId,
    AZURE_CLIENT_ID: p.app.clientId,
    AZURE_CLIENT_SECRET: p.app.clientSecret,
    AZURE_AUTHORITY_HOST: p.endpoints.authorityHost,
    MCP_OBO_GRAPH_ENDPOINT: p.endpoints.graph,
    MCP_OBO_DEVOPS_ENDPOINT: p.endpoints.devopsProfile,
    MCP_OBO_DEVOPS_API_ENDPOINT: p.endpoints.devopsApi,
  };
}

export interface PlatformOptions {
  /** Listener port (default: any free one). */
  port?: number;
  /** `graph/Mail.Read`-style permissions to leave without consent. */
  withoutConsent?: readonly string[];
}

const MAX_BODY = 1024 * 1024;

export async function startPlatform(o: PlatformOptions = {}): Promise<DevPlatform> {
  const key = await createSigningKey();
  const app = newDevApp();
  const users = SAMPLE_USERS;
  const endpoints = { authorityHost: `https://${DEV_HOSTS.login}`, graph: `https://${DEV_HOSTS.graph}`, devopsProfile: `https://${DEV_HOSTS.vssps}`, devopsApi: `https://${DEV_HOSTS.devops}` };
  const tenant = new SampleTenant({ get: (oid) => users.find((u) => u.oid === oid), list: () => [...users] });
  const graph = createSampleGraph(tenant, endpoints.graph, { me: true });
  const devops = createSampleDevOps(tenant, endpoints.devopsApi);
  // Made once the port is known (the sign-in page's URL has it); requests wait for listen() anyway.
  const late: { entra?: LocalEntra } = {};

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void route(req).then(
      (r) => send(res, r),
      () => send(res, { status: 500, headers: { 'content-type': 'application/json' }, body: '{"error":"server_error"}' }),
    );
  };
  async function route(req: IncomingMessage): Promise<PlatformResponse> {
    const body = await readBody(req);
    if (!body) return { status: 413, body: '' };
    const url = new URL(req.url ?? '/', 'http://x');
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const header = (n: string) => {
      const v = req.headers[n.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    };
    const pr: PlatformRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, header, body };
    if (host === DEV_HOSTS.login) return (await late.entra!.handle(pr, false)) ?? notFound();
    if (host === 'localhost' || host === '127.0.0.1') {
      if (url.pathname === '/') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'mcp-obo dev: the local identity platform (sample users and invented data, not Microsoft).\n' };
      return (await late.entra!.handle(pr, true)) ?? notFound();
    }
    const sample: SampleRequest = { method: pr.method, path: pr.path, query: pr.query, header, json: () => parseJson(body, header('content-type')) };
    if (host === DEV_HOSTS.graph) {
      const download = /^\/_download\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
      if (download) return fromSample(graph.download(download[1]!));
      return resource(sample, [endpoints.graph, 'https://graph.microsoft.com', GRAPH_APP_ID], graph.handle, () => graphUnauthorized());
    }
    if (host === DEV_HOSTS.vssps) return resource(sample, [DEVOPS_APP_ID], devops.profile, devopsUnauthorized);
    if (host === DEV_HOSTS.devops) return resource(sample, [DEVOPS_APP_ID], devops.api, devopsUnauthorized);
    return notFound();
  }

  /** A resource API's token check (signature, issuer, audience, lifetime, a delegated user), then the sample service. */
  async function resource(req: SampleRequest, audiences: string[], handle: SampleHandler, unauthorized: () => PlatformResponse): Promise<PlatformResponse> {
    const token = /^Bearer (\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
    const claims = token ? await key.verify(token, audiences, [`${endpoints.authorityHost}/${DEV_TENANT_ID}/`, `${endpoints.authorityHost}/${DEV_TENANT_ID}/v2.0`]) : undefined;
    const scopes = typeof claims?.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
    if (!claims || typeof claims.oid !== 'string' || scopes.length === 0) return unauthorized();
    return fromSample(handle(req, { oid: claims.oid, scopes }) ?? { status: 404, json: { error: { code: 'NotFound', message: `The sample tenant does not serve ${req.method} ${req.path}.` } } });
  }

  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const browserUrl = `http://localhost:${port}`;
  const entra = (late.entra = createLocalEntra({ key: key as SigningKey, app, users, issuerBase: endpoints.authorityHost, browserBase: browserUrl, graphEndpoint: endpoints.graph, withoutConsent: o.withoutConsent }));

  return {
    browserUrl, port, tenantId: DEV_TENANT_ID, app, users, tenant, endpoints, entra,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer, contentType: string | undefined): unknown {
  if (!body.length || !/json/i.test(contentType ?? '')) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function fromSample(r: SampleResponse): PlatformResponse & { bytes?: Buffer } {
  if (r.bytes) return { status: r.status, headers: r.headers, bytes: r.bytes };
  return { status: r.status, headers: { ...(r.json !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...r.headers }, body: r.json === undefined ? '' : JSON.stringify(r.json) };
}

function send(res: ServerResponse, r: PlatformResponse & { bytes?: Buffer }): void {
  if (res.headersSent) return;
  res.writeHead(r.status, r.headers ?? {});
  res.end(r.bytes ?? r.body ?? '');
}

const notFound = (): PlatformResponse => ({ status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"not_found"}' });
const graphUnauthorized = (): PlatformResponse => ({
  status: 401,
  headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm=""' },
  body: JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience, issuer, signature or lifetime.' } }),
});
const devopsUnauthorized = (): PlatformResponse => ({
  status: 401,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message: "TF400813: The user '' is not authorized to access this resource.", typeKey: 'UnauthorizedRequestException' }),
});
