// Standalone emulator: `node test/emulator/main.ts [--port N] [--mi-port N]`.
// Prints one JSON line with the connection details, then serves until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startEmulator } from './index.ts';

function portArg(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TypeError(`--${name} must be a port number, got '${v}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, 'mi-port': { type: 'string' }, 'token-lifetime': { type: 'string' } },
    strict: true,
  });
  const lifetime = values['token-lifetime'] === undefined ? undefined : Number(values['token-lifetime']);
  if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime <= 0)) throw new TypeError('--token-lifetime must be a positive integer (seconds)');
  // Signals are handled from the start, so an early SIGTERM still removes the temp CA directory.
  let stopRequested = false;
  let stop = (): void => {
    stopRequested = true;
  };
  process.on('SIGINT', () => stop());
  process.on('SIGTERM', () => stop());
  const emu = await startEmulator({
    port: portArg(values.port, 'port'),
    miPort: portArg(values['mi-port'], 'mi-port'),
    tokenLifetimeSec: lifetime,
  });
  let stopping = false;
  stop = (): void => {
    if (stopping) return;
    stopping = true;
    emu.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  if (stopRequested) return stop();
  process.stdout.write(`${JSON.stringify(emu.info())}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
