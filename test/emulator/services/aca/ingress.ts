// A container app's ingress: one HTTPS listener on 127.0.0.1 (the emulator CA's leaf certificate) that
// proxies to the active revision's replica (holding requests while a revision scales from zero), answering as
// ACA's Envoy does when there is no upstream.
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Ingress {
  port: number;
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function envoyError(res: ServerResponse, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(503, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), date: new Date().toUTCString() }).end(body);
}

function proxy(req: IncomingMessage, res: ServerResponse, port: number): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
  const remote = req.socket.remoteAddress ?? '127.0.0.1';
  Object.assign(headers, {
    'x-forwarded-for': req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${remote}` : remote,
    'x-forwarded-proto': 'https', 'x-request-id': randomUUID(), 'x-envoy-external-address': remote,
  });
  const up = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent: false }, (r) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
    res.writeHead(r.statusCode ?? 502, out);
    r.pipe(res);
    r.on('error', () => res.destroy());
  });
  up.on('error', () => envoyError(res, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure'));
  res.on('close', () => up.destroy());
  req.pipe(up);
}

/** Start the listener; `target()` names the ready replica's port (after starting one), or undefined when none can serve. */
export function startIngress(tls: { certPem: string; keyPem: string }, target: () => number | undefined | Promise<number | undefined>): Promise<Ingress> {
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    // A revision at zero replicas: the request waits while one starts (the body stays paused meanwhile).
    void Promise.resolve(target()).then((port) => {
      if (port === undefined) return envoyError(res, 'no healthy upstream');
      proxy(req, res, port);
    }, () => envoyError(res, 'no healthy upstream'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
