/** What Ctrl-C says: which files the run saved (each whole), and that a rerun continues from there. */
import { relative } from 'node:path';
import { savedFiles } from '../state/saved.ts';

export function interruptedMessage(cwd = process.cwd()): string {
  const files = savedFiles().map((f) => relative(cwd, f) || f);
  if (files.length === 0) return 'interrupted (Ctrl-C): nothing was saved; rerun the command to start again.';
  return `interrupted (Ctrl-C): saved ${files.join(', ')} (each file is written whole); rerun the command to continue from there, as each step checks what exists first.`;
}
