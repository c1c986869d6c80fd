/**
 * Browser origins. The MCP transport spec requires validating Origin: a page on another site must
 * not drive this server. Requests without Origin (VS Code, CLIs, curl, server-side clients) pass.
 * Browser clients are supported through CORS on /mcp for the public origin and the origins listed
 * in MCP_OBO_ALLOWED_ORIGINS only: loopback origins are no exception (any local dev server or tool
 * page could otherwise call in), so a browser client on localhost is listed explicitly. Preflights
 * are answered before authentication; the answers expose the headers a client needs to sign in.
 */
import type { RequestHandler } from 'express';

const ALLOW_HEADERS = 'authorization, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id';
const EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version';

export function isAllowedOrigin(origin: string, allowed: ReadonlySet<string>): boolean {
  return allowed.has(origin);
}

function refuse(res: Parameters<RequestHandler>[1]): void {
  res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Origin not allowed' }, id: null });
}

/** CORS for /mcp: allowed origins get their preflight answered and the headers they need; others a 403. */
export function mcpCors(publicOrigin: string, extra: readonly string[]): RequestHandler {
  const allowed = new Set([publicOrigin, ...extra]);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    res.vary('Origin');
    if (!isAllowedOrigin(origin, allowed)) return refuse(res);
    res.set({ 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE_HEADERS });
    if (req.method !== 'OPTIONS') return next();
    res.set({ 'access-control-allow-methods': 'POST, GET, DELETE, OPTIONS', 'access-control-allow-headers': ALLOW_HEADERS, 'access-control-max-age': '600' }).status(204).end();
  };
}

/** Our own forms (the facade's consent page) are posted from the public origin only. */
export function sameOriginOnly(publicOrigin: string): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || origin === publicOrigin) return next();
    refuse(res);
  };
}
