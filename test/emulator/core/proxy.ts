// A forward proxy (HTTP CONNECT) that makes the registries' own host names reach the emulator: a real
// registry is `https://<name>.azurecr.io`, and the CLI must talk to exactly that host (it checks the login
// server against the cloud's suffix), but no name resolves to this machine. Clients opt in with Node's own
// proxy settings (NODE_USE_ENV_PROXY=1, HTTPS_PROXY=<proxyUrl>, NO_PROXY=127.0.0.1,localhost), so the product
// needs no test switch. Only registry hosts on port 443 are tunnelled; anything else is refused, so a test
// can never reach the internet through it.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { REGISTRY_SUFFIXES } from './tls.ts';

const REGISTRY_HOST = new RegExp(`^[a-z0-9-]+\\.(${REGISTRY_SUFFIXES.map((s) => s.replace(/\./g, '\\.')).join('|')}):443$`, 'i');

export function createProxy(httpsPort: () => number): { server: HttpServer; destroyTunnels(): void } {
  const server = createHttpServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('this proxy only tunnels (CONNECT) to container registry hosts\n');
  });
  const sockets = new Set<Socket>();
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!REGISTRY_HOST.test(req.url ?? '')) {
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const upstream = connect(httpsPort(), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
  });
  return { server, destroyTunnels: () => sockets.forEach((s) => s.destroy()) };
}
