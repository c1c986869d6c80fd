/**
 * The set-up most end-to-end files share: an emulator whose CA is trusted, a scratch folder with an
 * initialised deployment provisioned with consent (as a user of the tenant), and optionally the
 * server serving it from that folder, as `mcp-obo serve` runs for a developer.
 */
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { cliEnv, init, scratch } from './cli.ts';
import { runCli, startServe, type ServeProcess } from './serve.ts';
import { trustCa } from './trust.ts';

export interface Provisioned {
  emu: Emulator;
  cwd: string;
  /** The CLI's environment (signed in as the tenant's user). */
  env: Record<string, string>;
  serve?: ServeProcess;
  close(): Promise<void>;
}

/** The server's environment: the deployment's env file in `cwd` holds the rest; DevOps is not part of it. */
export function localServeEnv(emu: Emulator, env: Record<string, string>): Record<string, string> {
  return { PATH: env.PATH!, HOME: env.HOME!, NODE_EXTRA_CA_CERTS: emu.caCertPath, MCP_OBO_DEVOPS_ENDPOINT: `${emu.url}/devops` };
}

export async function provisioned(o: { id: string; serve?: boolean }): Promise<Provisioned> {
  const emu = await startEmulator();
  trustCa(emu.caPem);
  const cwd = await scratch();
  const env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: o.id }, env);
  const p = await runCli(['provision', '--consent'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(p.code, 0, p.stderr);
  const serve = o.serve ? await startServe(localServeEnv(emu, env), [], { cwd }) : undefined;
  return {
    emu,
    cwd,
    env,
    serve,
    async close() {
      await serve?.stop();
      await emu.close();
    },
  };
}
