/** Running the built CLI against the emulator in a scratch folder, as a pipeline or a user would. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator, RequestLogEntry } from '../emulator/index.ts';
import { runCli } from './serve.ts';

export const FAKES = fileURLToPath(new URL('../fakes', import.meta.url));

export async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mcp-obo-e2e-'));
}

/** Environment for CLI runs: endpoints at the emulator, fast polling, and who signs in. */
export function cliEnv(emu: Emulator, as: 'deployer' | 'user' | 'nobody', extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: `${FAKES}:${dirname(process.execPath)}:${process.env.PATH}`,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: emu.caCertPath,
    AZURE_AUTHORITY_HOST: emu.url,
    MCP_OBO_ARM_ENDPOINT: emu.url,
    MCP_OBO_GRAPH_ENDPOINT: emu.url,
    MCP_OBO_EMULATOR_URL: emu.url,
    MCP_OBO_POLL_INTERVAL_MS: '20',
    ...(as === 'deployer' ? { AZURE_TENANT_ID: emu.tenantId, AZURE_CLIENT_ID: emu.deployer.clientId, AZURE_CLIENT_SECRET: emu.deployer.clientSecret } : {}),
    ...(as === 'nobody' ? { MCP_OBO_FAKE_AZ: 'logged-out' } : {}),
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function init(emu: Emulator, cwd: string, flags: Record<string, string>, env = cliEnv(emu, 'deployer')) {
  const args = ['init', '--yes', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--location', 'eastus', '--prefix', 'e2e', '--env', 'dev'];
  for (const [k, v] of Object.entries(flags)) args.push(`--${k}`, v);
  const r = await runCli(args, env, { cwd });
  if (r.code !== 0) throw new Error(`init failed (${r.code}): ${r.stderr}`);
  return r;
}

export async function deploymentFile(cwd: string, name = 'e2e-dev') {
  return JSON.parse(await readFile(join(cwd, `mcp-obo.${name}.json`), 'utf8'));
}

/** Requests that change something (reads, token requests and read-only POSTs excluded). */
export function writes(log: RequestLogEntry[]): RequestLogEntry[] {
  return log.filter(
    (r) =>
      r.method !== 'GET' &&
      r.method !== 'HEAD' &&
      !/\/oauth2\/v2\.0\/(token|devicecode)$/.test(r.path) &&
      !/checkNameAvailability$|\/sharedKeys$|\/listBuildSourceUploadUrl$|\/listLogSasUrl$/i.test(r.path) &&
      !r.path.startsWith('/_emulator/') &&
      r.path !== '/msi/token',
  );
}

export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The replication delays Entra and ARM have right after a create (a new object invisible to reads by
 * id, a new identity's principal unknown to ARM, a new secret refused for a while), on in every
 * provisioning test; a test that turns them off says why.
 */
export const REPLICATION = { graphMs: 400, principalMs: 400, secretMs: 400 } as const;
/** The `mcp-obo ...` commands a message suggests (between backticks). */
export function suggestedCommands(text: string): string[] {
  return [...text.matchAll(/`(mcp-obo [^`]+)`/g)].map((m) => m[1]!);
}

/** Runs a suggested command as a user would paste it, with each <placeholder> replaced from `fill`. */
export async function runSuggested(command: string, fill: Record<string, string>, env: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}) {
  const line = command.replace(/<([^>]+)>/g, (_, k: string) => {
    if (!(k in fill)) throw new Error(`no value for <${k}> in \`${command}\``);
    return fill[k]!;
  });
  const argv = [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  if (argv[0] !== 'mcp-obo') throw new Error(`not an mcp-obo command: ${command}`);
  return runCli(argv.slice(1), env, opts);
}
