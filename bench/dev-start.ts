/**
 * `mcp-obo dev` from start to a tool answered (issue 15: within 2 s of start on a machine with no
 * Azure sign-in): spawn dev (pinned to CPU 1, no Azure settings at all), wait for its ready line,
 * sign in as a sample user through the facade with the stock SDK client, list the tools and call
 * one. The time includes the sign-in's round trips (consent page, local sign-in page, code).
 */
import { fileURLToPath } from 'node:url';
import { bareEnv, signInToDev, startDev } from '../test/helpers/dev.ts';
import { median } from './lib.ts';

const BIN = fileURLToPath(new URL('../bin/mcp-obo', import.meta.url));

export async function benchDevStart(rounds: number): Promise<{ readyMs: number; firstCallMs: number }> {
  const ready: number[] = [];
  const firstCall: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const dev = await startDev([], { env: bareEnv(), command: ['taskset', ['-c', '1', process.execPath, BIN]] });
    try {
      const client = await signInToDev(dev.info.mcpUrl, 'Megan Bowen');
      await client.listTools();
      const r = (await client.callTool({ name: 'graph_get_profile', arguments: {} })) as { isError?: boolean };
      if (r.isError) throw new Error('dev: graph_get_profile answered an error');
      firstCall.push(performance.now() - started);
      ready.push(dev.readyMs);
      await client.close();
    } finally {
      await dev.stop();
    }
  }
  return { readyMs: median(ready), firstCallMs: median(firstCall) };
}
