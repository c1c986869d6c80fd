/**
 * The CLI's Azure identity: a service principal or workload identity from the standard AZURE_*
 * variables (CI), else the Azure CLI login (laptops). Instance discovery is disabled for any
 * authority that is not a Microsoft host, so no call leaves for login.microsoftonline.com.
 */
import type { TokenCredential } from '@azure/identity';
import { isMicrosoftAuthority, type Cloud } from '../cloud.ts';
import { UsageError } from '../errors.ts';

export interface CredentialOptions {
  cloud: Cloud;
  tenantId: string;
  env: Readonly<Record<string, string | undefined>>;
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
  const chain: TokenCredential[] = [];
  if (env.AZURE_CLIENT_ID && env.AZURE_FEDERATED_TOKEN_FILE) {
    chain.push(new identity.WorkloadIdentityCredential({ ...common, tenantId, clientId: env.AZURE_CLIENT_ID, tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE }));
  } else if (env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET) {
    chain.push(new identity.ClientSecretCredential(tenantId, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, common));
  } else if (env.AZURE_CLIENT_ID && env.AZURE_CLIENT_CERTIFICATE_PATH) {
    chain.push(new identity.ClientCertificateCredential(tenantId, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_CERTIFICATE_PATH, common));
  }
  chain.push(new identity.AzureCliCredential({ tenantId }));
  return chain.length === 1 ? chain[0]! : new identity.ChainedTokenCredential(...chain);
}

/** Who is signed in, read from an access token's claims (for display and group membership). */
export function callerFromToken(token: string): { objectId: string; kind: 'user' | 'servicePrincipal'; name?: string; tenantId?: string } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  const kind = payload.idtyp === 'app' || (payload.scp === undefined && payload.roles !== undefined) ? 'servicePrincipal' : 'user';
  const name = [payload.upn, payload.unique_name, payload.preferred_username, payload.appid].find((v) => typeof v === 'string') as string | undefined;
  return { objectId: String(payload.oid), kind, name, tenantId: typeof payload.tid === 'string' ? payload.tid : undefined };
}
