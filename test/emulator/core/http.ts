// Request context and low-level HTTP helpers shared by every service module.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export const JSON_CT = 'application/json; charset=utf-8';
export const MAX_BODY_BYTES = 1024 * 1024;

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  listener: 'https' | 'mi';
  method: string;
  /** Normalised path: `//` collapsed, never parsed as a URL, not percent-decoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Capture groups of the matched route (percent-decoded). */
  params: string[];
  /** Headers added to whatever response is sent (fault rules without a status). */
  extraHeaders: Record<string, string>;
}

export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Split a request-target into normalised path and raw query without URL parsing. */
export function splitTarget(target: string): { path: string; rawQuery: string } | null {
  if (!target.startsWith('/')) return null; // absolute-form / authority-form are not served
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  return { path: rawPath.replace(/\/{2,}/g, '/'), rawQuery };
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooBig ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** First value of a request header (node lower-cases names). */
export function header(ctx: Ctx, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function mediaType(ctx: Ctx): string {
  return (header(ctx, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The body as form parameters, or null when the content type is not form-encoded. */
export function formBody(ctx: Ctx): URLSearchParams | null {
  if (mediaType(ctx) !== 'application/x-www-form-urlencoded') return null;
  return new URLSearchParams(ctx.rawBody.toString('utf8'));
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function jsonBody(ctx: Ctx): JsonResult {
  if (mediaType(ctx) !== 'application/json') return { ok: false, reason: 'Content-Type must be application/json' };
  const text = ctx.rawBody.toString('utf8');
  if (text.trim() === '') return { ok: false, reason: 'Request body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'Request body is not valid JSON' };
  }
}

/** Best-effort body representation for the request log. */
export function bodyForLog(headers: IncomingHttpHeaders, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const ct = String(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = raw.toString('utf8');
  if (ct === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (ct === 'application/json') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function send(ctx: Ctx, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  const all: Record<string, string> = { ...headers, ...ctx.extraHeaders };
  for (const [k, v] of Object.entries(all)) res.setHeader(k, v);
  if (status === 204 || status === 304 || ctx.method === 'HEAD') {
    res.writeHead(status);
    res.end();
    return;
  }
  res.setHeader('content-length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}

export function sendJson(ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(ctx, status, body === undefined ? '' : JSON.stringify(body), { 'content-type': JSON_CT, ...headers });
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export function guid(): string {
  return randomUUID();
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
