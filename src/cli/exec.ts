/** Subprocesses through execa: a file and an argument list, never a shell string. */
import type { Run } from '../token/acquire.ts';

export const execaRun: Run = async (file, args) => {
  const { execa } = await import('execa');
  const r = await execa(file, args, { reject: false, timeout: 60_000, stdin: 'ignore' });
  // A process that could not start at all (not installed) has no exit code.
  if (r.exitCode === undefined) throw (r.cause as Error | undefined) ?? new Error(r.shortMessage);
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode };
};

/** The same, with optional input on stdin (docker build contexts, passwords). */
export const execaExec = async (file: string, args: string[], opts: { input?: Buffer | string } = {}) => {
  const { execa } = await import('execa');
  const r = await execa(file, args, { reject: false, timeout: 60 * 60_000, ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }) });
  if (r.exitCode === undefined) throw (r.cause as Error | undefined) ?? new Error(r.shortMessage);
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode };
};
