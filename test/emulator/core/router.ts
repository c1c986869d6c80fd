// A tiny strict router: anchored regular expressions, 405 with Allow, 404 otherwise.
import { type Ctx, sendJson } from './http.ts';

export type Handler = (ctx: Ctx) => void | Promise<void>;

interface Route {
  method: string; // upper-case, or '*' for any method
  pattern: RegExp;
  handler: Handler;
}

export class Router {
  readonly #routes: Route[] = [];
  readonly #fallbacks: Route[] = [];

  /** Register a route. `pattern` must be anchored (^…$); use the `i` flag where Azure is case-insensitive. */
  on(method: string, pattern: RegExp, handler: Handler): this {
    this.#routes.push({ method: method.toUpperCase(), pattern, handler });
    return this;
  }

  get(pattern: RegExp, handler: Handler): this {
    return this.on('GET', pattern, handler);
  }

  post(pattern: RegExp, handler: Handler): this {
    return this.on('POST', pattern, handler);
  }

  /** A handler used when no route matches the path at all (service-specific 404s). */
  fallback(pattern: RegExp, handler: Handler): this {
    this.#fallbacks.push({ method: '*', pattern, handler });
    return this;
  }

  async dispatch(ctx: Ctx): Promise<void> {
    const allow = new Set<string>();
    for (const r of this.#routes) {
      const m = r.pattern.exec(ctx.path);
      if (!m) continue;
      if (r.method !== '*' && r.method !== ctx.method) {
        allow.add(r.method);
        continue;
      }
      ctx.params = m.slice(1).map((g) => safeDecode(g ?? ''));
      await r.handler(ctx);
      return;
    }
    if (allow.size > 0) {
      const list = [...allow].join(', ');
      sendJson(ctx, 405, { error: { code: 'MethodNotAllowed', message: `The requested resource does not support http method '${ctx.method}'. Allowed: ${list}.` } }, { allow: list });
      return;
    }
    for (const r of this.#fallbacks) {
      const m = r.pattern.exec(ctx.path);
      if (!m) continue;
      ctx.params = m.slice(1).map((g) => safeDecode(g ?? ''));
      await r.handler(ctx);
      return;
    }
    sendJson(ctx, 404, { error: { code: 'NotFound', message: `No emulated route for ${ctx.method} ${ctx.path}` } });
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
