/**
 * The CLI's Azure identity: a service principal or workload identity from the standard AZURE_*
 * variables, or GitHub Actions' OIDC token (CI); else the Azure CLI login (laptops). A pipeline's
 * credential is used alone: when it fails, that failure (its AADSTS code) is the answer, never a
 * silent fallback to whoever is signed in to the Azure CLI on the machine. Instance discovery is
 * disabled for any authority that is not a Microsoft host, so no call leaves for
 * login.microsoftonline.com.
 */
import type { TokenCredential } from '@azure/identity';
import { isMicrosoftAuthority, type Cloud } from '../cloud.ts';
import { UsageError } from '../errors.ts';
import { githubAssertion, githubOidcAvailable } from './github-oidc.ts';

export interface CredentialOptions {
  cloud: Cloud;
  tenantId: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Which credential the environment selects, for messages and for the AADSTS advice. */
export type CredentialKind = 'federated-token-file' | 'client-secret' | 'client-certificate' | 'github-oidc' | 'azure-cli';

export function credentialKind(env: CredentialOptions['env']): CredentialKind {
  if (!env.AZURE_CLIENT_ID) return 'azure-cli';
  if (env.AZURE_FEDERATED_TOKEN_FILE) return 'federated-token-file';
  if (env.AZURE_CLIENT_SECRET) return 'client-secret';
  if (env.AZURE_CLIENT_CERTIFICATE_PATH) return 'client-certificate';
  if (githubOidcAvailable(env)) return 'github-oidc';
  return 'azure-cli';
}

export async function createCredential({ cloud, tenantId, env }: CredentialOptions): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const common = { authorityHost: cloud.authorityHost, disableInstanceDiscovery: !isMicrosoftAuthority(cloud.authorityHost) };
  const envTenant = env.AZURE_TENANT_ID?.trim().toLowerCase();
  if (envTenant && env.AZURE_CLIENT_ID && envTenant !== tenantId) {
    throw new UsageError(`AZURE_TENANT_ID (${envTenant}) is not the deployment's tenant (${tenantId})`, {
      suggestion: 'Sign in to the deployment\'s tenant, or unset AZURE_TENANT_ID / AZURE_CLIENT_ID to use the Azure CLI login.',
    });
  }
  const clientId = env.AZURE_CLIENT_ID ?? '';
  switch (credentialKind(env)) {
    case 'federated-token-file':
      return new identity.WorkloadIdentityCredential({ ...common, tenantId, clientId, tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE });
    case 'client-secret':
      return new identity.ClientSecretCredential(tenantId, clientId, env.AZURE_CLIENT_SECRET!, common);
    case 'client-certificate':
      return new identity.ClientCertificateCredential(tenantId, clientId, env.AZURE_CLIENT_CERTIFICATE_PATH!, common);
    case 'github-oidc':
      // msal calls getAssertion for every token it requests, so each Azure token gets a fresh GitHub token.
      return new identity.ClientAssertionCredential(tenantId, clientId, githubAssertion(env, cloud.tokenExchangeAudience), common);
    case 'azure-cli':
      return new identity.AzureCliCredential({ tenantId });
  }
}

/** Who is signed in, read from an access token's claims (for display and group membership). */
export function callerFromToken(token: string): { objectId: string; kind: 'user' | 'servicePrincipal'; name?: string; tenantId?: string } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  const kind = payload.idtyp === 'app' || (payload.scp === undefined && payload.roles !== undefined) ? 'servicePrincipal' : 'user';
  const name = [payload.upn, payload.unique_name, payload.preferred_username, payload.appid].find((v) => typeof v === 'string') as string | undefined;
  return { objectId: String(payload.oid), kind, name, tenantId: typeof payload.tid === 'string' ? payload.tid : undefined };
}
