/**
 * A timeout on every ARM and Graph request, so a call that never answers cannot hang a command.
 * Each attempt gets its own timer (MCP_OBO_HTTP_TIMEOUT_MS, 30 s by default); a request that runs
 * out becomes a RequestTimeoutError, which the retry policy (src/plan/retry.ts) retries when the
 * request is safe to repeat, and the plan runner answers by running the step again, which looks
 * before it creates.
 */
import { UsageError } from '../errors.ts';

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

export class RequestTimeoutError extends Error {
  readonly code = 'REQUEST_TIMEOUT';
  /** GET, PUT, PATCH, DELETE and HEAD can be sent again; a POST may have created something. */
  readonly idempotent: boolean;

  constructor(method: string, url: string, ms: number) {
    const u = new URL(url);
    super(`${u.host} did not answer ${method} ${u.pathname} within ${ms / 1000} s`);
    this.name = 'RequestTimeoutError';
    this.idempotent = method.toUpperCase() !== 'POST';
  }
}

export function httpTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.MCP_OBO_HTTP_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_HTTP_TIMEOUT_MS;
  if (!/^\d+$/.test(raw) || Number(raw) < 100 || Number(raw) > 600_000) throw new UsageError(`MCP_OBO_HTTP_TIMEOUT_MS must be 100..600000 (got "${raw}")`);
  return Number(raw);
}

/** The abort signal core-rest-pipeline carries (AbortSignalLike). */
interface SignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The shape of an Azure SDK pipeline policy (core-rest-pipeline's PipelinePolicy), as far as this one needs it. */
interface Policy {
  name: string;
  sendRequest<R extends { method: string; url: string; abortSignal?: SignalLike }, T>(request: R, next: (request: R) => Promise<T>): Promise<T>;
}

/** Pipeline policy (per retry) for the ARM clients: its own abort signal per attempt, chained to the caller's. */
export function timeoutPolicy(ms: number): Policy {
  return {
    name: 'mcpOboRequestTimeout',
    async sendRequest(request, next) {
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, ms);
      const outer = request.abortSignal;
      const onOuterAbort = () => controller.abort();
      outer?.addEventListener('abort', onOuterAbort);
      if (outer?.aborted) controller.abort();
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } catch (err) {
        if (timedOut) throw new RequestTimeoutError(request.method, request.url, ms);
        throw err;
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onOuterAbort);
        request.abortSignal = outer;
      }
    },
  };
}
