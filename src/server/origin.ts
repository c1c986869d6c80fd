/**
 * The MCP transport spec requires validating Origin: browsers send it, and a page on another
 * site must not drive this server with the user's token. Requests without Origin (VS Code,
 * CLIs, curl) pass; the public origin and loopback origins on any port are allowed.
 */
import type { RequestHandler } from 'express';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isAllowedOrigin(origin: string, publicOrigin: string): boolean {
  if (origin === publicOrigin) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.has(url.hostname) && url.origin === origin;
  } catch {
    return false;
  }
}

export function originCheck(publicOrigin: string): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || isAllowedOrigin(origin, publicOrigin)) return next();
    res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Origin not allowed' }, id: null });
  };
}
