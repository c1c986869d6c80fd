// Container Apps system events (what `az containerapp logs show --type system` streams) and the
// log-stream line formats: text (`<time> <line>`) and json (`{"TimeStamp":…,"Log":…}`, .NET-escaped).
import type { LogLine } from './replica.ts';

export interface SystemEvent {
  TimeStamp: string;
  Type: 'Normal' | 'Warning';
  ContainerAppName: string;
  RevisionName: string;
  ReplicaName: string;
  Msg: string;
  Reason: string;
  EventSource: 'ContainerAppController';
  Count: number;
}

export class EventLog {
  readonly events: SystemEvent[] = [];
  readonly #listeners = new Set<(e: SystemEvent) => void>();

  add(app: string, revision: string, replica: string, type: SystemEvent['Type'], reason: string, msg: string): void {
    const e: SystemEvent = {
      TimeStamp: `${new Date().toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`, Type: type, ContainerAppName: app, RevisionName: revision, ReplicaName: replica,
      Msg: msg, Reason: reason, EventSource: 'ContainerAppController', Count: 1,
    };
    this.events.push(e);
    if (this.events.length > 500) this.events.shift();
    for (const l of this.#listeners) l(e);
  }

  follow(cb: (e: SystemEvent) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }
}

/** System.Text.Json's default encoder: quotes, apostrophes, +, <, >, & and non-ASCII as \uXXXX. */
export function dotnetJson(v: unknown): string {
  const u = (c: string): string => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(v).replace(/\\(["\\/bfnrt]|u[0-9a-fA-F]{4})|[\u007f-\uffff'+<>&]/g, (m: string, esc: string | undefined) => {
    if (esc === undefined) return u(m);
    if (esc === '"') return '\\u0022';
    return esc.startsWith('u') ? `\\u${esc.slice(1).toUpperCase()}` : m;
  });
}

/** `2025-12-09T14:04:33.45953` — the stream's own status lines (5 fractional digits, no zone). */
const statusTime = (): string => {
  const d = new Date().toISOString();
  return `${d.slice(0, 23)}${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
};

const frac = (l: LogLine, digits: number): string => `${String(l.ms % 1000).padStart(3, '0')}${String(l.sub).padStart(6, '0')}`.slice(0, digits);
const base = (l: LogLine): string => new Date(l.ms).toISOString().slice(0, 19);

export type StreamFormat = 'text' | 'json';

export function statusLine(format: StreamFormat, text: string): string {
  const t = statusTime();
  return format === 'json' ? `${dotnetJson({ TimeStamp: t, Log: text })}\n` : `${t}  ${text}\n`;
}

/** A container's output line: text `2025-12-09T14:04:24.125429697Z <line>`, json with `+00:00` and 7 digits. */
export function containerLine(format: StreamFormat, l: LogLine): string {
  return format === 'json'
    ? `${dotnetJson({ TimeStamp: `${base(l)}.${frac(l, 7)}+00:00`, Log: l.text })}\n`
    : `${base(l)}.${frac(l, 9)}Z ${l.text}\n`;
}
