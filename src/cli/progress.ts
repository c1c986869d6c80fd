/**
 * Showing a plan run: live per-step lines on a terminal, one plain line per event without one,
 * and NDJSON events on stdout for pipelines (--json). Progress goes to stderr otherwise.
 */
import type { StepEvent } from '../plan/types.ts';
import { columnsOf, fit } from './width.ts';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'silent';

export interface Progress {
  onEvent(e: StepEvent): void;
  /** A transient failure being retried (throttling, replication delay). */
  onRetry(label: string, attempt: number, waitMs: number, reason: string): void;
  stop(): void;
}

/** A skipped step is not a success: it has its own mark (as in `test` and `show`), never the tick. */
export const ICON = { wait: '·', run: '…', done: '✔', skip: '○', fail: '✖', blocked: '⊘', planned: '○' } as const;

function iconOf(e: StepEvent): string {
  if (e.type === 'done') return e.planned.action === 'skip' ? ICON.skip : ICON.done;
  return e.type === 'failed' ? ICON.fail : e.type === 'blocked' ? ICON.blocked : e.type === 'planned' ? ICON.planned : ICON.run;
}

function describe(e: StepEvent): string {
  switch (e.type) {
    case 'planned':
      return `${e.planned.action}${e.planned.detail ? ` (${e.planned.detail})` : ''}`;
    case 'start':
      return `${e.planned.action === 'unchanged' ? 'checking' : e.planned.action === 'create' ? 'creating' : e.planned.action === 'update' ? 'updating' : 'skipping'}…`;
    case 'done':
      return `${past(e.planned.action)}${e.planned.detail ? ` (${e.planned.detail})` : ''} in ${(e.ms / 1000).toFixed(1)} s`;
    case 'failed':
      return `failed: ${e.error.message.split('\n')[0]}`;
    case 'blocked':
      return `not started: ${e.by} failed`;
  }
}

/** What happened, after the fact. */
export function past(action: string): string {
  return { create: 'created', update: 'updated', unchanged: 'unchanged', skip: 'skipped' }[action] ?? action;
}

export function createProgress(mode: ProgressMode, out: NodeJS.WritableStream, titles: { id: string; title: string }[]): Progress {
  if (mode === 'silent') return { onEvent() {}, onRetry() {}, stop() {} };
  if (mode === 'json') {
    return {
      onEvent(e) {
        const base = { event: 'step', step: e.step.id, status: e.type };
        const extra =
          e.type === 'failed' ? { error: e.error.message } : e.type === 'blocked' ? { by: e.by } : 'planned' in e ? { action: e.planned.action, detail: e.planned.detail } : {};
        out.write(JSON.stringify({ ...base, ...extra, ...('ms' in e ? { ms: e.ms } : {}) }) + '\n');
      },
      onRetry(label, attempt, waitMs, reason) {
        out.write(JSON.stringify({ event: 'retry', label, attempt, waitMs, reason }) + '\n');
      },
      stop() {},
    };
  }
  if (mode === 'plain') {
    return {
      onEvent(e) {
        if (e.type === 'start' && e.planned.action === 'unchanged') return;
        out.write(`${iconOf(e)} ${e.step.title}: ${describe(e)}\n`);
      },
      onRetry(label, attempt, waitMs, reason) {
        out.write(`  ${label}: ${reason}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s\n`);
      },
      stop() {},
    };
  }
  // Live: one line per step, redrawn in place, each cut to the terminal's width (read at every
  // redraw, as it may be resized): a wrapped line would make the next redraw land on the wrong rows.
  const lines = new Map(titles.map((t) => [t.id, `${ICON.wait} ${t.title}`]));
  const width = Math.max(...titles.map((t) => t.title.length));
  let drawn = 0;
  const draw = () => {
    const columns = columnsOf(out);
    let frame = drawn ? `\x1b[${drawn}A` : '';
    for (const line of lines.values()) frame += `\x1b[2K${fit(line, columns)}\n`;
    out.write(frame);
    drawn = lines.size;
  };
  // The first frame waits for the first event: whatever is printed before it stays above it.
  return {
    onEvent(e) {
      lines.set(e.step.id, `${iconOf(e)} ${e.step.title.padEnd(width)}  ${describe(e)}`);
      draw();
    },
    onRetry() {
      // The step's line keeps showing it as running; the summary reports the outcome.
    },
    stop() {},
  };
}

export function progressMode(opts: { json?: boolean; isTTY: boolean; env: Readonly<Record<string, string | undefined>> }): ProgressMode {
  if (opts.json) return 'json';
  return opts.isTTY && !opts.env.CI && opts.env.TERM !== 'dumb' ? 'tty' : 'plain';
}
