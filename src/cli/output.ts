/**
 * What a command prints: with --json, exactly one JSON document on stdout, or NDJSON events
 * ending in one `{"event":"result"}` line for long commands; without it, human text rendered from
 * the same result object. Errors become `{ok: false, error: {code, message, advice}}` in
 * src/cli/main.ts, unless the command already printed a result that carries the error.
 */
import { McpOboError } from '../errors.ts';
import type { ErrorInfo } from '../contract/common.ts';
import type { CliContext } from './context.ts';

/** Commands whose --json output is NDJSON ending in a `result` event. */
export const STREAMING = new Set(['provision', 'deploy', 'logs', 'serve', 'cleanup', 'pipeline']);

export interface Output {
  readonly json: boolean;
  /** An NDJSON progress event (streaming commands in --json mode only). */
  event(e: { event: string } & Record<string, unknown>): void;
  /** The result of a success: written as JSON, or handed to `human` to print. */
  result<R extends object>(r: R, human: (r: R) => void): void;
  /**
   * The result of a failure that knows something (which checks failed, what remains): written as
   * JSON with the error, or handed to `human`. Returns the error, marked as reported.
   */
  failed<R extends object, E extends McpOboError>(r: R, err: E, human: (r: R) => void): E;
}

export function createOutput(ctx: Pick<CliContext, 'stdout'>, opts: { json?: boolean; stream: boolean }): Output {
  const json = Boolean(opts.json);
  const write = (doc: object) => ctx.stdout.write(JSON.stringify(doc) + '\n');
  const head = opts.stream ? { event: 'result' } : {};
  return {
    json,
    event(e) {
      if (json && opts.stream) write(e);
    },
    result(r, human) {
      if (json) write({ ...head, ok: true, ...r });
      else human(r);
    },
    failed(r, err, human) {
      if (json) write({ ...head, ok: false, ...r, error: errorInfo(err) });
      else human(r);
      err.reported = true;
      return err;
    },
  };
}

/** The error object of the contract, for any thrown value. */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof McpOboError) return { code: err.code, message: err.message, advice: err.suggestion ?? null };
  return {
    code: 'internal',
    message: err instanceof Error ? err.message : String(err),
    advice: 'This is unexpected; rerun with MCP_OBO_DEBUG=1 for details and report it.',
  };
}

/** Whether the command line asks for --json (before any `--`), and for which command. */
export function jsonRequest(argv: readonly string[]): { json: boolean; command: string | undefined } {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  const own = end === -1 ? args : args.slice(0, end);
  return { json: own.includes('--json'), command: own.find((a) => !a.startsWith('-')) };
}
