/**
 * Provisioning wall time against the emulator with a latency model per resource type, run with
 * the product's parallel plan and with the same steps one after another (same model for both).
 * Reports the parallel time against the longest dependency chain (measured per step in the
 * sequential run) and against the sequential sum.
 */
import type { Emulator } from '../test/emulator/index.ts';
import { runPlan, type StepResult } from '../src/plan/runner.ts';
import { PROVISION_STEPS } from '../src/plan/steps/index.ts';
import { connect } from '../src/provision/connect.ts';
import { stepContext } from '../src/provision/run.ts';
import { DeploymentStore } from '../src/state/store.ts';
import { DeploymentSchema } from '../src/state/deployment.ts';
import type { CliContext } from '../src/cli/context.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Seconds an Azure control plane takes, scaled down 10x (environments take minutes in Azure). */
export const LATENCY_MODEL: Record<string, number> = {
  'Microsoft.Resources/resourceGroups': 300,
  'Microsoft.OperationalInsights/workspaces': 1500,
  'Microsoft.App/managedEnvironments': 4000,
  'Microsoft.ContainerRegistry/registries': 2000,
  'Microsoft.ManagedIdentity/userAssignedIdentities': 600,
  'Microsoft.Authorization/roleAssignments': 500,
  graph: 300,
};

async function provisionOnce(emu: Emulator, id: string, concurrency: number): Promise<{ ms: number; results: StepResult[] }> {
  const cwd = await mkdtemp(join(tmpdir(), 'mcp-obo-bench-'));
  const env = {
    AZURE_AUTHORITY_HOST: emu.url,
    MCP_OBO_ARM_ENDPOINT: emu.url,
    MCP_OBO_GRAPH_ENDPOINT: emu.url,
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_ID: emu.deployer.clientId,
    AZURE_CLIENT_SECRET: emu.deployer.clientSecret,
    MCP_OBO_POLL_INTERVAL_MS: '25',
  };
  const ctx = { env, cwd, stdout: process.stdout, stderr: process.stderr, isTTY: false, waitForShutdown: () => new Promise<string>(() => {}) } as CliContext;
  const d = DeploymentSchema.parse({ version: 1, id, prefix: 'bench', env: 'dev', tenantId: emu.tenantId, subscriptionId: emu.subscriptionId, location: 'eastus', cloud: 'AzureCloud', createdAt: new Date().toISOString() });
  const store = new DeploymentStore(join(cwd, 'mcp-obo.bench-dev.json'), d);
  const conn = await connect(d, ctx);
  const sctx = await stepContext(store, conn, ctx, {});
  const started = performance.now();
  const results = await runPlan(PROVISION_STEPS, sctx, { concurrency });
  const ms = performance.now() - started;
  const failed = results.filter((r) => r.status !== 'done');
  if (failed.length) throw new Error(`provisioning failed: ${failed.map((f) => `${f.step.id}: ${f.error?.message}`).join('; ')}`);
  return { ms, results };
}

/** Longest path through the step graph, weighting each step by its measured duration. */
export function criticalPath(results: StepResult[]): { ms: number; path: string[] } {
  const byId = new Map(results.map((r) => [r.step.id, r]));
  const memo = new Map<string, { ms: number; path: string[] }>();
  const longest = (id: string): { ms: number; path: string[] } => {
    const hit = memo.get(id);
    if (hit) return hit;
    const r = byId.get(id)!;
    const before = r.step.dependsOn.map(longest).sort((a, b) => b.ms - a.ms)[0] ?? { ms: 0, path: [] };
    const out = { ms: before.ms + r.ms, path: [...before.path, id] };
    memo.set(id, out);
    return out;
  };
  return results.map((r) => longest(r.step.id)).sort((a, b) => b.ms - a.ms)[0]!;
}

export async function benchProvision(emu: Emulator) {
  emu.setLatency(LATENCY_MODEL);
  try {
    const sequential = await provisionOnce(emu, 'seq01', 1);
    const parallel = await provisionOnce(emu, 'par01', 8);
    const sum = sequential.results.reduce((s, r) => s + r.ms, 0);
    const chain = criticalPath(sequential.results);
    return { parallelMs: parallel.ms, sequentialMs: sequential.ms, sumMs: sum, chain };
  } finally {
    emu.setLatency(Object.fromEntries(Object.keys(LATENCY_MODEL).map((k) => [k, 0])));
  }
}
