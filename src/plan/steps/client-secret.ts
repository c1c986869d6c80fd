/**
 * A client secret for running the server locally, written only to .env.local (0600, git-ignored)
 * and never printed. Production uses the managed identity instead (`--no-secret` skips this).
 */
import { join } from 'node:path';
import type { Step, StepContext } from '../types.ts';
import { isMicrosoftAuthority } from '../../cloud.ts';
import { ensureGitIgnored, envLocalHeader, readEnvFile, updateEnvFile } from '../../state/env-local.ts';
import { need } from './util.ts';

const LIFETIME_DAYS = 180;
const RENEW_BEFORE_DAYS = 14;

interface Password {
  keyId: string;
  endDateTime: string;
  secretText?: string;
}

async function current(ctx: StepContext): Promise<{ ok: boolean; detail?: string }> {
  const saved = ctx.store.deployment.resources.clientSecret;
  const app = ctx.store.deployment.resources.application;
  if (!saved || !app) return { ok: false, detail: 'no secret yet' };
  const env = await readEnvFile(join(ctx.cwd, ctx.options.secretEnvFile));
  if (!env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_ID !== app.appId) return { ok: false, detail: `${ctx.options.secretEnvFile} lacks it` };
  const { passwordCredentials = [] } = await ctx.graph.get<{ passwordCredentials?: Password[] }>(`/applications/${app.objectId}?$select=passwordCredentials`);
  const cred = passwordCredentials.find((p) => p.keyId === saved.keyId);
  if (!cred) return { ok: false, detail: 'secret was removed' };
  if (Date.parse(cred.endDateTime) - ctx.clock.now() < RENEW_BEFORE_DAYS * 86_400_000) return { ok: false, detail: 'expires soon' };
  return { ok: true };
}

export const clientSecretStep: Step = {
  id: 'clientSecret',
  title: 'client secret in .env.local (local use)',
  dependsOn: ['application'],
  plane: 'entra',
  async plan(ctx) {
    if (!ctx.options.secret) return { action: 'skip', detail: '--no-secret' };
    const state = await current(ctx);
    return state.ok ? { action: 'unchanged' } : { action: 'create', detail: state.detail };
  },
  async apply(ctx, planned) {
    if (planned.action !== 'create') return;
    const app = need(ctx.store.deployment.resources.application, 'the app registration');
    const previous = ctx.store.deployment.resources.clientSecret;
    const endDateTime = new Date(ctx.clock.now() + LIFETIME_DAYS * 86_400_000).toISOString();
    const password = await ctx.retry(
      'client secret',
      () => ctx.graph.post<Password>(`/applications/${app.objectId}/addPassword`, { passwordCredential: { displayName: ctx.names.secretDisplayName, endDateTime } }),
      { propagation: true },
    );
    const d = ctx.store.deployment;
    const path = join(ctx.cwd, ctx.options.secretEnvFile);
    await updateEnvFile(
      path,
      {
        AZURE_TENANT_ID: d.tenantId,
        AZURE_CLIENT_ID: app.appId,
        AZURE_CLIENT_SECRET: password.secretText!,
        // Only for clouds (or emulators) other than the public one; the server defaults to it.
        AZURE_AUTHORITY_HOST: isMicrosoftAuthority(ctx.cloud.authorityHost) && d.cloud === 'AzureCloud' ? undefined : ctx.cloud.authorityHost,
        MCP_OBO_GRAPH_ENDPOINT: d.cloud === 'AzureCloud' && ctx.cloud.graphEndpoint === 'https://graph.microsoft.com' ? undefined : ctx.cloud.graphEndpoint,
      },
      await envLocalHeader(ctx.names.slug),
    );
    await ensureGitIgnored(ctx.cwd, ctx.options.secretEnvFile);
    await ctx.store.setResource('clientSecret', { keyId: password.keyId, endDateTime: password.endDateTime ?? endDateTime, envFile: ctx.options.secretEnvFile });
    if (previous && previous.keyId !== password.keyId) {
      // The old secret is no longer in any file we wrote; remove it rather than leave it valid.
      await ctx.graph.post(`/applications/${app.objectId}/removePassword`, { keyId: previous.keyId }).catch(() => undefined);
    }
  },
};
