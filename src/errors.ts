/**
 * Typed errors shared by the CLI and the server. Each carries what went wrong, a suggestion
 * (the next thing to do), a stable machine code and the cause; only src/cli/main.ts turns them
 * into exit codes and, with --json, into the `error: {code, message, advice}` object.
 */

export interface ErrorDetails {
  /** The next step for the user, ideally a command to run. */
  suggestion?: string;
  cause?: unknown;
  /**
   * A stable slug for scripts (`not-signed-in`, `aadsts-7000215`, `checks-failed`, ...); the
   * class's default (`failed`, `usage`, `config`, `cancelled`) when absent.
   */
  code?: string;
}

export class McpOboError extends Error {
  readonly suggestion: string | undefined;
  readonly exitCode: number = 1;
  readonly #code: string | undefined;
  /** The command already wrote its JSON result (with this error in it): main must not write another. */
  reported = false;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.suggestion = details.suggestion;
    this.#code = details.code;
  }

  get code(): string {
    return this.#code ?? this.defaultCode();
  }

  protected defaultCode(): string {
    return 'failed';
  }
}

/** Bad input (flags, environment, files): nothing was created or changed. Exit code 2. */
export class UsageError extends McpOboError {
  override readonly exitCode = 2;

  protected override defaultCode(): string {
    return 'usage';
  }
}

/** A configuration value is invalid; names the variable. Exit code 2. */
export class ConfigError extends UsageError {
  readonly variable: string;

  constructor(variable: string, problem: string, details: ErrorDetails = {}) {
    super(`${variable} ${problem}`, details);
    this.variable = variable;
  }

  protected override defaultCode(): string {
    return 'config';
  }
}

/** The user cancelled (Ctrl-C at a prompt). Exit code 130. */
export class CancelledError extends McpOboError {
  override readonly exitCode = 130;

  protected override defaultCode(): string {
    return 'cancelled';
  }
}

/** The message of any thrown value, without a stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
