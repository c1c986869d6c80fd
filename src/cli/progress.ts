/**
 * Showing a plan run: live per-step lines on a terminal, one plain line per event without one,
 * and NDJSON events on stdout for pipelines (--json). Progress goes to stderr otherwise.
 */
import type { StepEvent } from '../plan/types.ts';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'silent';

export interface Progress {
  onEvent(e: StepEvent): void;
  /** A transient failure being retried (throttling, replication delay). */
  onRetry(label: string, attempt: number, waitMs: number, reason: string): void;
  stop(): void;
}

const ICON = { wait: '·', run: '…', done: '✔', fail: '✖', blocked: '⊘', planned: '○' } as const;

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

function past(action: string): string {
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
        const icon = e.type === 'done' ? ICON.done : e.type === 'failed' ? ICON.fail : e.type === 'blocked' ? ICON.blocked : e.type === 'planned' ? ICON.planned : ICON.run;
        out.write(`${icon} ${e.step.title}: ${describe(e)}\n`);
      },
      onRetry(label, attempt, waitMs, reason) {
        out.write(`  ${label}: ${reason}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s\n`);
      },
      stop() {},
    };
  }
  // Live: one line per step, redrawn in place.
  const lines = new Map(titles.map((t) => [t.id, `${ICON.wait} ${t.title}`]));
  const width = Math.max(...titles.map((t) => t.title.length));
  let drawn = 0;
  const draw = () => {
    if (drawn) out.write(`\x1b[${drawn}A`);
    for (const line of lines.values()) out.write(`\x1b[2K${line}\n`);
    drawn = lines.size;
  };
  draw();
  return {
    onEvent(e) {
      const icon = e.type === 'done' ? ICON.done : e.type === 'failed' ? ICON.fail : e.type === 'blocked' ? ICON.blocked : e.type === 'planned' ? ICON.planned : ICON.run;
      lines.set(e.step.id, `${icon} ${e.step.title.padEnd(width)}  ${describe(e)}`);
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
