/**
 * Typed errors shared by the CLI and the server. Each carries what went wrong, a suggestion
 * (the next thing to do) and the cause; only src/cli/main.ts turns them into exit codes.
 */

export interface ErrorDetails {
  /** The next step for the user, ideally a command to run. */
  suggestion?: string;
  cause?: unknown;
}

export class McpOboError extends Error {
  readonly suggestion: string | undefined;
  readonly exitCode: number = 1;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.suggestion = details.suggestion;
  }
}

/** Bad input (flags, environment, files): nothing was created or changed. Exit code 2. */
export class UsageError extends McpOboError {
  override readonly exitCode = 2;
}

/** A configuration value is invalid; names the variable. Exit code 2. */
export class ConfigError extends UsageError {
  readonly variable: string;

  constructor(variable: string, problem: string, details: ErrorDetails = {}) {
    super(`${variable} ${problem}`, details);
    this.variable = variable;
  }
}

/** The user cancelled (Ctrl-C at a prompt). Exit code 130. */
export class CancelledError extends McpOboError {
  override readonly exitCode = 130;
}

/** The message of any thrown value, without a stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
