/**
 * Runs the built CLI's `serve` as a subprocess wired to the emulator, the way a user (or the
 * container image) runs it, and collects its output for leak checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import type { Emulator } from '../emulator/index.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/mcp-obo', import.meta.url));

export interface ServeProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  logLines(): Record<string, unknown>[];
  stop(): Promise<number | null>;
}

/** The environment `serve` needs to run against the emulator with a client secret. */
export function serverEnv(emu: Emulator, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: emu.caCertPath,
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_ID: emu.serverApp.clientId,
    AZURE_CLIENT_SECRET: emu.serverApp.clientSecret,
    AZURE_AUTHORITY_HOST: emu.url,
    MCP_OBO_GRAPH_ENDPOINT: emu.url,
    MCP_OBO_DEVOPS_ENDPOINT: `${emu.url}/devops`,
    MCP_OBO_DEVOPS_API_ENDPOINT: emu.devopsApiUrl,
    LOG_LEVEL: 'debug',
    // Straight at Entra unless a test opts into the authorization facade (test/helpers/facade.ts).
    MCP_OBO_AUTH: 'entra',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function startServe(env: Record<string, string>, args: string[] = [], opts: { cwd?: string; bin?: string } = {}): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [opts.bin ?? BIN, 'serve', '--port', '0', ...args], { env, cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 15 s:\n${out}`)), 15_000);
    const check = () => {
      const m = /"event":"server.listening","url":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${out}`));
    });
  });

  return {
    url,
    proc,
    output: () => out,
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const [code] = (await once(proc, 'exit')) as [number | null];
      return code;
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}) {
  const proc = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The form fields of a logged emulator request (the emulator parses form bodies). */
export function formOf(entry: { body: unknown }): Record<string, string | undefined> {
  if (typeof entry.body === 'string') return Object.fromEntries(new URLSearchParams(entry.body));
  return (entry.body ?? {}) as Record<string, string | undefined>;
}
