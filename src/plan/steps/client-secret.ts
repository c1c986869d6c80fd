/**
 * A client secret for running the server locally, written only to the deployment's env file
 * (`.env.{prefix}-{env}.local`, 0600, git-ignored) under the server's own names, and never printed.
 * Production uses the managed identity instead (`--no-secret` skips this).
 * Short-lived by default (90 days, `--secret-days`): tenants increasingly cap secret lifetimes or
 * forbid secrets with app management policies, and a refusal is explained, not shown raw.
 */
import { join } from 'node:path';
import type { Step, StepContext } from '../types.ts';
import { isMicrosoftAuthority } from '../../cloud.ts';
import { codeOf } from '../../azure/errors.ts';
import { McpOboError, UsageError } from '../../errors.ts';
import { SERVER_NAMES, ensureGitIgnored, envLocalHeader, pick, updateEnvFile } from '../../state/env-local.ts';
import { readDeploymentEnv } from '../../state/env-migrate.ts';
import { need } from './util.ts';

export const DEFAULT_SECRET_DAYS = 90;
const MAX_SECRET_DAYS = 730;

export function parseSecretDays(raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > MAX_SECRET_DAYS) {
    throw new UsageError(`--secret-days must be a whole number of days from 1 to ${MAX_SECRET_DAYS} (got "${raw}")`);
  }
  return Number(raw);
}

/** Renewed this close to its end: 14 days, or a quarter of a short lifetime. */
const renewBeforeDays = (days: number) => Math.min(14, Math.ceil(days / 4));

/**
 * Graph's answers to addPassword under an app management policy (learn.microsoft.com/graph/api/resources/appmanagementpolicy):
 * 400 CredentialInvalidLifetimeAsPerAppPolicy "Credential lifetime exceeds the max value allowed as per assigned
 * policy '{id}'." (microsoft/PubSec-Info-Assistant#681, Azure/azure-cli#28522) and 400
 * CredentialTypeNotAllowedAsPerAppPolicy "Credential type not allowed as per assigned policy '{id}'." when
 * secrets are blocked (error codes as in OfficeDev/teams-toolkit's aadErrorCode).
 */
function explainPolicy(err: unknown, days: number): McpOboError | undefined {
  const noSecret = 'The deployed server needs no secret (it signs in with its managed identity); the secret only serves `mcp-obo serve` on your machine.';
  if (codeOf(err) === 'CredentialInvalidLifetimeAsPerAppPolicy') {
    return new McpOboError(`the tenant's app management policy does not allow a client secret that lives ${days} days (CredentialInvalidLifetimeAsPerAppPolicy)`, {
      suggestion: `Rerun with a shorter lifetime, e.g. \`mcp-obo provision --secret-days 30\`, or with \`--no-secret\`. ${noSecret}`,
      cause: err,
    });
  }
  if (codeOf(err) === 'CredentialTypeNotAllowedAsPerAppPolicy') {
    return new McpOboError('the tenant\'s app management policy does not allow client secrets on app registrations (CredentialTypeNotAllowedAsPerAppPolicy)', {
      suggestion: `Rerun with \`mcp-obo provision --no-secret\`. ${noSecret} To serve locally, ask an administrator for an exemption for this app.`,
      cause: err,
    });
  }
  return undefined;
}

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
  if (Date.parse(cred.endDateTime) - ctx.clock.now() < renewBeforeDays(ctx.options.secretDays) * 86_400_000) return { ok: false, detail: 'expires soon' };
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
    const endDateTime = new Date(ctx.clock.now() + ctx.options.secretDays * 86_400_000).toISOString();
    let password: Password;
    try {
      password = await ctx.retry(
        'client secret',
        () => ctx.graph.post<Password>(`/applications/${app.objectId}/addPassword`, { passwordCredential: { displayName: ctx.names.secretDisplayName, endDateTime } }),
        { propagation: true },
      );
    } catch (err) {
      throw explainPolicy(err, ctx.options.secretDays) ?? err;
    }
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
