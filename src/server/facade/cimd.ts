/**
 * Client ID Metadata Documents (MCP 2025-11-25 "Client ID Metadata Documents";
 * draft-ietf-oauth-client-id-metadata-document): a client id that is an https URL names a JSON
 * document listing the client's redirect URIs. Fetching a URL an anonymous caller chose is a
 * server-side request forgery surface, so the fetch is https only, goes only to public addresses
 * (checked on the very addresses the connection uses, so DNS rebinding cannot slip past), follows
 * no redirects, and is capped in size and time. Results (and failures, briefly) are cached.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { LRUCache } from 'lru-cache';

export interface ClientMetadataDocument {
  client_id: string;
  redirect_uris: string[];
  client_name?: string;
  client_uri?: string;
  token_endpoint_auth_method?: string;
}

export class ClientMetadataError extends Error {}

export interface ClientMetadataOptions {
  /** Host names that may resolve to private addresses (clients inside a corporate network). */
  privateHosts: readonly string[];
  timeoutMs?: number;
  maxBytes?: number;
  /** How long a document is reused when it says nothing (Cache-Control max-age wins, up to maxTtlMs). */
  ttlMs?: number;
  maxTtlMs?: number;
  now?: () => number;
  /** DNS resolution (the seam for unit tests of the address checks). */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

/** Addresses no client metadata document is fetched from (IANA special-purpose registries, RFC 6890). */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !BLOCKED.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  return !BLOCKED.check(address, 'ipv6');
}

/** The rules a client id URL must follow before anything is fetched. */
export function checkClientIdUrl(clientId: string): URL {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw new ClientMetadataError('the client id is not a URL');
  }
  if (url.protocol !== 'https:') throw new ClientMetadataError('a client id URL must use https');
  // Dot segments are checked on the raw string: URL parsing has already resolved them away.
  if (url.pathname === '/' || url.hash || url.username || url.password || /\/\.{1,2}(\/|$|[?#])/.test(clientId)) {
    throw new ClientMetadataError('a client id URL needs a path and no fragment, credentials or dot segments');
  }
  return url;
}

export function createClientMetadataFetcher(opts: ClientMetadataOptions) {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 16 * 1024;
  const now = opts.now ?? Date.now;
  const resolve = opts.resolve ?? ((host: string) => dnsLookup(host, { all: true, verbatim: true }));
  const privateHosts = new Set(opts.privateHosts.map((h) => h.toLowerCase()));
  const cache = new LRUCache<string, { until: number; doc?: ClientMetadataDocument; error?: string }>({ max: 1000 });
  const inflight = new Map<string, Promise<ClientMetadataDocument>>();

  /** Resolves once, refuses private addresses, and hands exactly the vetted addresses to the socket. */
  const vettedLookup = (allowPrivate: boolean): LookupFunction => (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const bad = addresses.find((a) => !isPublicAddress(a.address));
        if (addresses.length === 0) return callback(new ClientMetadataError(`${hostname} does not resolve`), '', 0);
        if (bad && !allowPrivate) return callback(new ClientMetadataError(`${hostname} resolves to a non-public address (${bad.address})`), '', 0);
        if (options.all) return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: Error) => callback(new ClientMetadataError(`${hostname} does not resolve: ${err.message}`), '', 0),
    );
  };

  function download(url: URL): Promise<{ body: string; maxAgeMs: number | undefined }> {
    const allowPrivate = privateHosts.has(url.hostname.toLowerCase());
    // Node connects to an IP literal without calling `lookup`, so literals are checked here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !allowPrivate && !isPublicAddress(literal)) {
      return Promise.reject(new ClientMetadataError(`${url.hostname} is a non-public address`));
    }
    return new Promise((resolveBody, reject) => {
      const req = request(url, { method: 'GET', headers: { accept: 'application/json' }, lookup: vettedLookup(allowPrivate), timeout: timeoutMs, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new ClientMetadataError(`the client metadata document answered HTTP ${res.statusCode}${res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : ''}`));
        }
        if (!/\bjson\b/i.test(String(res.headers['content-type'] ?? ''))) {
          res.resume();
          return reject(new ClientMetadataError('the client metadata document is not JSON'));
        }
        let size = 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new ClientMetadataError(`the client metadata document is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolveBody({ body: Buffer.concat(chunks).toString('utf8'), maxAgeMs: maxAge(res.headers['cache-control']) }));
        res.on('error', reject);
      });
      const deadline = setTimeout(() => req.destroy(new ClientMetadataError(`the client metadata document did not arrive within ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('timeout', () => req.destroy(new ClientMetadataError(`the client metadata document did not arrive within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(err instanceof ClientMetadataError ? err : new ClientMetadataError(`the client metadata document could not be fetched: ${err.message}`)));
      req.end();
    });
  }

  async function load(clientId: string): Promise<ClientMetadataDocument> {
    const url = checkClientIdUrl(clientId);
    const { body, maxAgeMs } = await download(url);
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      throw new ClientMetadataError('the client metadata document is not valid JSON');
    }
    const d = validate(doc, clientId);
    const ttl = Math.min(maxAgeMs ?? opts.ttlMs ?? 5 * 60_000, opts.maxTtlMs ?? 24 * 3_600_000);
    cache.set(clientId, { until: now() + ttl, doc: d });
    return d;
  }

  return {
    /** The validated document; ClientMetadataError says why a client id is refused. */
    async get(clientId: string): Promise<ClientMetadataDocument> {
      const hit = cache.get(clientId);
      if (hit && hit.until > now()) {
        if (hit.doc) return hit.doc;
        throw new ClientMetadataError(hit.error!);
      }
      let pending = inflight.get(clientId);
      if (!pending) {
        pending = load(clientId).catch((err: unknown) => {
          const message = err instanceof ClientMetadataError ? err.message : 'the client metadata document could not be fetched';
          cache.set(clientId, { until: now() + 30_000, error: message });
          throw new ClientMetadataError(message);
        }).finally(() => inflight.delete(clientId));
        inflight.set(clientId, pending);
      }
      return pending;
    },
  };
}

function maxAge(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header.join(',') : header;
  if (!v) return undefined;
  if (/\bno-store\b|\bno-cache\b/i.test(v)) return 0;
  const m = /\bmax-age=(\d+)/i.exec(v);
  return m ? Number(m[1]) * 1000 : undefined;
}

function validate(doc: unknown, clientId: string): ClientMetadataDocument {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ClientMetadataError('the client metadata document is not a JSON object');
  const d = doc as Record<string, unknown>;
  // The document must name itself: a document copied to another URL is not that client.
  if (d.client_id !== clientId) throw new ClientMetadataError('the client metadata document names another client_id');
  if (!Array.isArray(d.redirect_uris) || d.redirect_uris.length === 0 || d.redirect_uris.some((u) => typeof u !== 'string')) {
    throw new ClientMetadataError('the client metadata document has no redirect_uris');
  }
  if ('client_secret' in d || 'client_secret_expires_at' in d) throw new ClientMetadataError('a client metadata document must not contain a client secret');
  const method = d.token_endpoint_auth_method ?? 'none';
  if (method !== 'none') throw new ClientMetadataError(`token_endpoint_auth_method "${String(method)}" is not supported (only "none")`);
  return {
    client_id: clientId,
    redirect_uris: d.redirect_uris as string[],
    ...(typeof d.client_name === 'string' ? { client_name: d.client_name.slice(0, 200) } : {}),
    ...(typeof d.client_uri === 'string' ? { client_uri: d.client_uri } : {}),
    token_endpoint_auth_method: 'none',
  };
}
