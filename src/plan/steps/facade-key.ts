/**
 * The authorization facade's sealing key for running the server locally: 32 random bytes, made
 * once and kept in the env file (0600, git-ignored) next to the client secret, never printed and
 * never in the deployment file. A deployed server gets its own key from `mcp-obo deploy`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Step } from '../types.ts';
import { ensureGitIgnored, envLocalHeader, updateEnvFile } from '../../state/env-local.ts';
import { readDeploymentEnv } from '../../state/env-migrate.ts';
import { parseFacadeKey } from '../../server/facade/key.ts';

export const facadeKeyStep: Step = {
  id: 'facadeKey',
  title: 'sign-in key in the env file (local use)',
  dependsOn: [],
  plane: 'entra',
  async plan(ctx) {
    if (!ctx.options.secret) return { action: 'skip', detail: '--no-secret' };
    const env = await readDeploymentEnv(ctx.cwd, ctx.store.deployment);
    if (env.MCP_OBO_FACADE_KEY === undefined) return { action: 'create' };
    return parseFacadeKey(env.MCP_OBO_FACADE_KEY) ? { action: 'unchanged' } : { action: 'update', detail: 'the key is not 32 bytes of base64' };
  },
  async apply(ctx, planned) {
    if (planned.action !== 'create' && planned.action !== 'update') return;
    const path = join(ctx.cwd, ctx.options.secretEnvFile);
    await updateEnvFile(path, { MCP_OBO_FACADE_KEY: randomBytes(32).toString('base64') }, await envLocalHeader(ctx.names.slug));
    await ensureGitIgnored(ctx.cwd, ctx.options.secretEnvFile);
  },
};
