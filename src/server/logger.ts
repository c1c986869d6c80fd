/**
 * One JSON line per event. Users appear by oid; tokens, secrets and assertions never appear:
 * known secret fields are dropped and anything shaped like a JWT is masked as a last line of defence.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; defaults to stdout. */
  write?: (line: string) => void;
  now?: () => Date;
}

const SECRET_KEYS = /^(authorization|token|access_?token|assertion|client_?secret|client_?assertion|secret|password|refresh_?token|id_?token|cookie)$/i;
// JWTs (three parts) and compact JWEs such as the facade's sealed values (five parts, the second may be empty).
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?/g;

export function createLogger(opts: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(opts.level);
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    write(JSON.stringify({ time: now().toISOString(), level, event, ...scrub(fields) }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/**
 * Lines for a stream, written together once per turn of the event loop: under load one write call
 * (a system call on a pipe) carries every request's line of that turn instead of one each.
 * `flush()` writes what is waiting at once (before a last line of another kind, or exit).
 */
export function batchedLines(stream: { write(text: string): unknown }): { write(line: string): void; flush(): void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    stream.write(text);
  };
  return {
    write(line) {
      pending.push(`${line}\n`);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function scrub(value: unknown, depth = 0): LogFields {
  const out: LogFields = {};
  if (value === null || typeof value !== 'object') return out;
  for (const key in value) {
    if (SECRET_KEYS.test(key)) continue;
    out[key] = scrubValue((value as Record<string, unknown>)[key], depth);
  }
  return out;
}

function scrubValue(v: unknown, depth: number): unknown {
  // Most fields are short plain strings: only ones that could hold a JWT pay for the regex.
  if (typeof v === 'string') return v.length > 20 && v.includes('eyJ') ? v.replace(JWT_LIKE, '[redacted-jwt]') : v;
  if (v instanceof Error) return scrubValue(v.message, depth);
  if (Array.isArray(v)) return depth > 4 ? '[…]' : v.map((x) => scrubValue(x, depth + 1));
  if (v !== null && typeof v === 'object') return depth > 4 ? '[…]' : scrub(v, depth + 1);
  return v;
}
