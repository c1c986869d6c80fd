/**
 * What one user may make the server do: a cap on JSON-RPC batches (none at all for protocol
 * versions without batching), a token bucket per user (tenant + oid) counting every message, and
 * a cap on each user's concurrent downstream calls (more wait their turn). Without these one
 * user's batch of 100 tool calls fans out into 300 Graph and DevOps calls, on the tenant's quota.
 * The state is in memory, so limits hold per replica.
 */
import type { RequestHandler } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.ts';
import type { Logger } from './logger.ts';
import type { UserClaims } from './auth/verifier.ts';

export interface LimitSettings {
  /** Most messages in one JSON-RPC batch (protocol versions that have batches). */
  maxBatch: number;
  /** Messages per minute per user; 0 turns the limit off. */
  ratePerMinute: number;
  /** Messages a user may send at once before the rate applies. */
  burst: number;
  /** Concurrent downstream calls (token exchanges and API requests) per user. */
  userConcurrency: number;
  /** Connections per downstream origin (Entra, Graph, DevOps), kept alive and shared by everyone. */
  maxConnections: number;
  /** Token exchanges in flight at once, for all users; more wait in line. */
  maxExchanges: number;
  /** MiB for cached downstream tokens; undefined: 16% of the V8 heap. */
  cacheMiB?: number;
  /** MiB for remembered token verifications; undefined: 3% of the V8 heap. */
  verifiedCacheMiB?: number;
  /** MCP requests processed at once, for all users; more wait in line before any work is done for them. */
  maxActive: number;
}

export const DEFAULT_LIMITS: LimitSettings = { maxBatch: 10, ratePerMinute: 240, burst: 60, userConcurrency: 4, maxConnections: 16, maxExchanges: 16, maxActive: 64 };

/** Protocol versions from this one on have no JSON-RPC batching (MCP 2025-06-18 changelog). */
const NO_BATCH_FROM = '2025-06-18';

function jsonRpcError(status: number, message: string, id: unknown = null) {
  return { status, body: { jsonrpc: '2.0', error: { code: status === 429 ? -32029 : -32600, message }, id } };
}

const userKey = (req: unknown): string | undefined => {
  const user = (req as { auth?: AuthInfo }).auth?.extra?.user as UserClaims | undefined;
  return user ? `${user.tid}/${user.oid}` : undefined;
};

/** After authentication and body parsing: batch rules, then the user's token bucket. */
export function requestLimits(limits: LimitSettings, clock: Clock, logger: Logger): RequestHandler {
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 100_000 });
  const perMs = limits.ratePerMinute / 60_000;
  return (req, res, next) => {
    const body: unknown = req.body;
    const count = Array.isArray(body) ? body.length : 1;
    if (Array.isArray(body)) {
      const version = String(req.headers['mcp-protocol-version'] ?? '');
      const refused =
        version >= NO_BATCH_FROM
          ? jsonRpcError(400, `JSON-RPC batches are not part of MCP ${version}: send one message per request`)
          : count > limits.maxBatch
            ? jsonRpcError(400, `A batch may hold at most ${limits.maxBatch} messages (got ${count})`)
            : undefined;
      if (refused) return void res.status(refused.status).json(refused.body);
    }
    const key = userKey(req);
    if (!key || limits.ratePerMinute <= 0) return next();
    const now = clock.now();
    const b = buckets.get(key) ?? { tokens: limits.burst, at: now };
    b.tokens = Math.min(limits.burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
    if (b.tokens < count) {
      buckets.set(key, b);
      const waitSec = Math.max(1, Math.ceil((count - b.tokens) / perMs / 1000));
      logger.warn('http.rate_limited', { oid: key.split('/')[1], messages: count, retryAfterSeconds: waitSec });
      const id = !Array.isArray(body) && body && typeof body === 'object' ? ((body as { id?: unknown }).id ?? null) : null;
      const refused = jsonRpcError(429, `Too many requests: at most ${limits.ratePerMinute} per minute per user; retry after ${waitSec} s`, id);
      return void res.status(429).set('retry-after', String(waitSec)).json(refused.body);
    }
    b.tokens -= count;
    buckets.set(key, b);
    next();
  };
}

/**
 * At most `limit` MCP requests in progress; the rest wait in line, untouched (not authenticated, not
 * parsed). Without it a burst of 500 new users is taken in whole: their token checks finish together
 * and 500 requests' work runs in one turn of the event loop, so /health and everyone else wait behind
 * it (and all 500 requests' objects are alive at once, which makes every garbage collection longer).
 * In line, each finished request lets one more in, so every turn of the loop holds little work.
 */
export function admission(limit: number): RequestHandler {
  const gate = new KeyedLimiter(limit);
  return (req, res, next) => {
    void gate.run('mcp', () => {
      // A client that gave up while waiting costs nothing more.
      if (res.closed || req.destroyed) return Promise.resolve();
      return new Promise<void>((done) => {
        res.once('close', done);
        next();
      });
    });
  };
}

/** At most `limit` concurrent tasks per key; the rest wait in order. */
export class KeyedLimiter {
  private readonly active = new Map<string, { running: number; queue: (() => void)[]; head: number }>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let slot = this.active.get(key);
    if (!slot) {
      slot = { running: 0, queue: [], head: 0 };
      this.active.set(key, slot);
    }
    // A finishing task hands its slot straight to the next in line, so no newcomer can slip in between.
    if (slot.running >= this.limit) await new Promise<void>((resolve) => slot!.queue.push(resolve));
    else slot.running++;
    try {
      return await task();
    } finally {
      // A moving head instead of shift(): thousands may wait in a burst, and shift() is O(n).
      const nextTask = slot.queue[slot.head];
      if (nextTask) {
        slot.queue[slot.head++] = undefined as unknown as () => void;
        if (slot.head > 1024 && slot.head * 2 > slot.queue.length) {
          slot.queue = slot.queue.slice(slot.head);
          slot.head = 0;
        }
        nextTask();
      } else if (--slot.running === 0) this.active.delete(key);
    }
  }

  /** Keys with work in flight (for tests and metrics). */
  get size(): number {
    return this.active.size;
  }
}
