/**
 * A client secret for running the server locally, written only to the deployment's env file
 * (`.env.{prefix}-{env}.local`, 0600, git-ignored) under the server's own names, and never printed.
 * Production uses the managed identity instead (`--no-secret` skips this).
 */
import { join } from 'node:path';
import type { Step, StepContext } from '../types.ts';
import { isMicrosoftAuthority } from '../../cloud.ts';
import { SERVER_NAMES, ensureGitIgnored, envLocalHeader, pick, updateEnvFile } from '../../state/env-local.ts';
import { readDeploymentEnv } from '../../state/env-migrate.ts';
import { need } from './util.ts';

const LIFETIME_DAYS = 180;
const RENEW_BEFORE_DAYS = 14;

interface Password {
  keyId: string;
  endDateTime: string;
  displayName?: string | null;
  startDateTime?: string | null;
  secretText?: string;
}

async function passwords(ctx: StepContext, objectId: string): Promise<Password[]> {
  const { passwordCredentials = [] } = await ctx.graph.get<{ passwordCredentials?: Password[] }>(`/applications/${objectId}?$select=passwordCredentials`);
  return passwordCredentials;
}

/**
 * Secrets of ours that no file holds: the one a new secret replaces, and any made by a run killed
 * between addPassword and saving (its text is gone for good). Secrets named otherwise are the user's.
 */
function stale(ctx: StepContext, all: Password[], keep: string | undefined): string[] {
  const previous = ctx.store.deployment.resources.clientSecret?.keyId;
  return all.filter((p) => p.keyId !== keep && (p.keyId === previous || p.displayName === ctx.names.secretDisplayName)).map((p) => p.keyId);
}

async function current(ctx: StepContext): Promise<{ ok: boolean; detail?: string; stale?: string[] }> {
  const saved = ctx.store.deployment.resources.clientSecret;
  const app = ctx.store.deployment.resources.application;
  if (!saved || !app) return { ok: false, detail: 'no secret yet' };
  const env = await readDeploymentEnv(ctx.cwd, ctx.store.deployment);
  if (!pick(env, SERVER_NAMES.secret) || pick(env, SERVER_NAMES.clientId) !== app.appId) return { ok: false, detail: `${ctx.options.secretEnvFile} lacks it` };
  const all = await passwords(ctx, app.objectId);
  const cred = all.find((p) => p.keyId === saved.keyId);
  if (!cred) return { ok: false, detail: 'secret was removed' };
  if (Date.parse(cred.endDateTime) - ctx.clock.now() < RENEW_BEFORE_DAYS * 86_400_000) return { ok: false, detail: 'expires soon' };
  return { ok: true, stale: stale(ctx, all, saved.keyId) };
}

async function remove(ctx: StepContext, objectId: string, keyIds: string[]): Promise<void> {
  await Promise.all(keyIds.map((keyId) => ctx.graph.post(`/applications/${objectId}/removePassword`, { keyId }).catch(() => undefined)));
}

export const clientSecretStep: Step = {
  id: 'clientSecret',
  title: 'client secret in the env file (local use)',
  dependsOn: ['application'],
  plane: 'entra',
  async plan(ctx) {
    if (!ctx.options.secret) return { action: 'skip', detail: '--no-secret' };
    const state = await current(ctx);
    if (!state.ok) return { action: 'create', detail: state.detail };
    const n = state.stale!.length;
    return n ? { action: 'update', detail: `remove ${n} secret${n > 1 ? 's' : ''} no file holds` } : { action: 'unchanged' };
  },
  async apply(ctx, planned) {
    const app = need(ctx.store.deployment.resources.application, 'the app registration');
    if (planned.action === 'update') {
      const saved = ctx.store.deployment.resources.clientSecret;
      return remove(ctx, app.objectId, stale(ctx, await passwords(ctx, app.objectId), saved?.keyId));
    }
    if (planned.action !== 'create') return;
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
        MCP_OBO_TENANT_ID: d.tenantId,
        MCP_OBO_CLIENT_ID: app.appId,
        MCP_OBO_CLIENT_SECRET: password.secretText!,
        // The server's own names replace these (an older file, or one moved from .env.local).
        AZURE_TENANT_ID: undefined,
        AZURE_CLIENT_ID: undefined,
        AZURE_CLIENT_SECRET: undefined,
        // Only for clouds (or emulators) other than the public one; the server defaults to it.
        AZURE_AUTHORITY_HOST: isMicrosoftAuthority(ctx.cloud.authorityHost) && d.cloud === 'AzureCloud' ? undefined : ctx.cloud.authorityHost,
        MCP_OBO_GRAPH_ENDPOINT: d.cloud === 'AzureCloud' && ctx.cloud.graphEndpoint === 'https://graph.microsoft.com' ? undefined : ctx.cloud.graphEndpoint,
      },
      await envLocalHeader(ctx.names.slug),
    );
    await ensureGitIgnored(ctx.cwd, ctx.options.secretEnvFile);
    const replaced = stale(ctx, await passwords(ctx, app.objectId).catch(() => []), password.keyId);
    await ctx.store.setResource('clientSecret', {
      keyId: password.keyId,
      endDateTime: password.endDateTime ?? endDateTime,
      // When it was made: Entra may refuse a new secret for a few minutes (AADSTS7000215) while it replicates.
      startDateTime: password.startDateTime ?? new Date(ctx.clock.now()).toISOString(),
      envFile: ctx.options.secretEnvFile,
    });
    await remove(ctx, app.objectId, replaced);
  },
};
