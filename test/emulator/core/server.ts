// The request pipeline shared by both listeners: log, faults, routing, error handling.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyForLog, type Ctx, flatHeaders, HttpError, readBody, send, sendJson, splitTarget } from './http.ts';
import type { FaultRegistry } from './faults.ts';
import type { Router } from './router.ts';
import type { FaultEntry, RequestLogEntry } from '../types.ts';

export interface FaultBody {
  body: string;
  contentType: string;
}

export interface PipelineEnv {
  log: RequestLogEntry[];
  faults: FaultRegistry;
  /** Default error body for a fault rule that gives a status but no body. */
  faultBody(path: string, status: number): FaultBody;
}

const CONTROL_RE = /^\/_emulator(\/|$)/i;
/** Blob uploads (build contexts) may be larger than API bodies; the log shows their size only. */
const BLOB_RE = /^\/_blob\//;
const MAX_BLOB_BYTES = 256 * 1024 * 1024;

export class Pipeline {
  readonly #env: PipelineEnv;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(env: PipelineEnv) {
    this.#env = env;
  }

  /** Stop pending fault delays (their requests are dropped with the connections). */
  cancelTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  handler(listener: 'https' | 'mi', router: Router): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      this.#handle(listener, router, req, res).catch((e: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(e) } }));
        }
      });
    };
  }

  async #handle(listener: 'https' | 'mi', router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawTarget = req.url ?? '';
    const target = splitTarget(rawTarget);
    const isControl = target !== null && CONTROL_RE.test(target.path);
    let entry: RequestLogEntry | undefined;
    if (!isControl) {
      const query = target ? Object.fromEntries(new URLSearchParams(target.rawQuery)) : {};
      entry = { method, path: target?.path ?? rawTarget, query, status: 0, body: undefined, headers: flatHeaders(req.headers), listener, startedAt: performance.now() };
      this.#env.log.push(entry);
      res.on('finish', () => {
        if (!entry) return;
        entry.status = res.statusCode;
        entry.endedAt = performance.now();
      });
    }
    const isBlob = target !== null && BLOB_RE.test(target.path);
    const raw = await readBody(req, isBlob ? MAX_BLOB_BYTES : undefined);
    const ctx: Ctx = {
      req, res, listener, method, path: target?.path ?? rawTarget, query: new URLSearchParams(target?.rawQuery ?? ''),
      headers: req.headers, rawBody: raw ?? Buffer.alloc(0), params: [], extraHeaders: {},
    };
    if (entry) entry.body = raw === null ? '<body too large>' : isBlob && raw.length > 0 ? `<${raw.length} bytes>` : bodyForLog(req.headers, raw);
    if (!target) return sendJson(ctx, 400, { error: { code: 'BadRequest', message: 'Only origin-form request targets are served.' } });
    if (raw === null) return sendJson(ctx, 413, { error: { code: 'RequestEntityTooLarge', message: 'Request body too large.' } });
    try {
      if (!isControl) {
        const fault = this.#env.faults.take(method, ctx.path);
        if (fault && (await this.#applyFault(ctx, fault)) === 'handled') return;
      }
      await router.dispatch(ctx);
      if (!res.headersSent) sendJson(ctx, 500, { error: { code: 'InternalServerError', message: 'The emulator route sent no response.' } });
    } catch (e) {
      if (e instanceof HttpError) sendJson(ctx, e.status, e.body);
      else sendJson(ctx, 500, { error: { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) } });
    }
    if (entry && res.headersSent) entry.status = res.statusCode;
  }

  async #applyFault(ctx: Ctx, f: FaultEntry): Promise<'handled' | 'continue'> {
    if (f.hang) return 'handled'; // never answered; close() destroys the socket
    if (f.delayMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.#timers.delete(t);
          resolve();
        }, f.delayMs);
        this.#timers.add(t);
      });
      if (ctx.res.destroyed) return 'handled';
    }
    if (f.headers) Object.assign(ctx.extraHeaders, f.headers);
    if (f.retryAfter !== undefined) ctx.extraHeaders['retry-after'] = String(f.retryAfter);
    if (f.status === undefined) return 'continue';
    if (f.body === undefined) {
      const d = this.#env.faultBody(ctx.path, f.status);
      send(ctx, f.status, d.body, { 'content-type': d.contentType });
    } else if (typeof f.body === 'string') {
      send(ctx, f.status, f.body, { 'content-type': 'text/plain; charset=utf-8' });
    } else {
      sendJson(ctx, f.status, f.body);
    }
    return 'handled';
  }
}
