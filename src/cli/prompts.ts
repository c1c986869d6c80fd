/**
 * The only module that asks questions. Commands ask through a Prompter, so tests can answer for
 * the user; without a terminal every question becomes a usage error naming the flag to pass.
 */
import { CancelledError, UsageError } from '../errors.ts';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompter {
  readonly interactive: boolean;
  input(q: { message: string; default?: string; validate?: (v: string) => true | string; flag: string }): Promise<string>;
  select<T>(q: { message: string; choices: Choice<T>[]; default?: T; flag: string }): Promise<T>;
  confirm(q: { message: string; default?: boolean; flag: string }): Promise<boolean>;
}

/** A prompter for runs without a terminal (or with --yes): every question is a missing flag. */
export const nonInteractive: Prompter = {
  interactive: false,
  input: async (q) => missing(q.flag),
  select: async (q) => missing(q.flag),
  confirm: async (q) => missing(q.flag),
};

function missing(flag: string): never {
  throw new UsageError(`${flag} is required when not running interactively`, { suggestion: `Pass ${flag} (or run in a terminal without --yes to be asked).` });
}

export function inquirerPrompter(streams: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): Prompter {
  const ctx = { input: streams.input, output: streams.output, clearPromptOnDone: false };
  const guard = async <T>(ask: () => Promise<T>): Promise<T> => {
    try {
      return await ask();
    } catch (err) {
      if ((err as Error).name === 'ExitPromptError' || (err as Error).name === 'AbortPromptError') throw new CancelledError('cancelled');
      throw err;
    }
  };
  return {
    interactive: true,
    input: (q) => guard(async () => (await import('@inquirer/prompts')).input({ message: q.message, default: q.default, validate: q.validate }, ctx)),
    select: (q) => guard(async () => (await import('@inquirer/prompts')).select({ message: q.message, choices: q.choices, default: q.default }, ctx)),
    confirm: (q) => guard(async () => (await import('@inquirer/prompts')).confirm({ message: q.message, default: q.default }, ctx)),
  };
}
