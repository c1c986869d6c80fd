/**
 * The CLI's side effects in one place: environment, working folder, output streams, TTY and
 * signals. Commands receive this; tests build their own.
 */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
  /** Resolves with the signal name on SIGINT or SIGTERM. */
  waitForShutdown(): Promise<string>;
}

let claims = 0;

/** Whether a command is waiting for SIGINT / SIGTERM itself (serve, logs --follow) to stop gracefully. */
export function shutdownClaimed(): boolean {
  return claims > 0;
}

export function processContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    waitForShutdown: () =>
      new Promise((resolve) => {
        claims++;
        const on = (signal: NodeJS.Signals) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          claims--;
          resolve(signal);
        };
        process.once('SIGINT', on);
        process.once('SIGTERM', on);
      }),
  };
}
