/**
 * Azure Resource Manager clients, built once per command from the cloud's endpoints, loaded
 * lazily (each SDK costs 100-300 ms to import). Token scopes keep the cloud's real audience even
 * when the endpoint is overridden, which is how the tests point the real SDKs at the emulator.
 */
import type { TokenCredential } from '@azure/identity';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { OperationalInsightsManagementClient } from '@azure/arm-operationalinsights';
import type { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import type { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import type { ManagedServiceIdentityClient } from '@azure/arm-msi';
import type { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { DnsManagementClient } from '@azure/arm-dns';
import type { Cloud } from '../cloud.ts';
import { timeoutPolicy } from './timeout.ts';

export interface AzureClients {
  credential: TokenCredential;
  subscriptionId: string;
  /** Interval between long-running-operation polls. */
  pollIntervalMs: number;
  resources(): Promise<ResourceManagementClient>;
  subscriptions(): Promise<SubscriptionClient>;
  logAnalytics(): Promise<OperationalInsightsManagementClient>;
  containerApps(): Promise<ContainerAppsAPIClient>;
  registry(): Promise<ContainerRegistryManagementClient>;
  identities(): Promise<ManagedServiceIdentityClient>;
  authorization(): Promise<AuthorizationManagementClient>;
  dns(): Promise<DnsManagementClient>;
}

export function createAzureClients(credential: TokenCredential, cloud: Cloud, subscriptionId: string, pollIntervalMs: number, timeoutMs: number): AzureClients {
  // Both option shapes: `credentialScopes` for the classic clients, `credentials.scopes` for the modular ones.
  // Every attempt of every request (long-running-operation polls included) has its own timeout.
  const options = {
    endpoint: cloud.armEndpoint,
    credentialScopes: [cloud.armScope],
    credentials: { scopes: [cloud.armScope] },
    additionalPolicies: [{ policy: timeoutPolicy(timeoutMs), position: 'perRetry' as const }],
  };
  const once = <T>(make: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= make());
  };
  // arm-authorization and arm-dns are CommonJS only: their classes are read from `.default` (module.exports),
  // which Node and the bundled CLI (.ci/bundle.ts) both provide; named exports of a lazily imported
  // CommonJS module exist only in Node.
  return {
    credential,
    subscriptionId,
    pollIntervalMs,
    resources: once(async () => new (await import('@azure/arm-resources')).ResourceManagementClient(credential, subscriptionId, options)),
    subscriptions: once(async () => new (await import('@azure/arm-resources-subscriptions')).SubscriptionClient(credential, options)),
    logAnalytics: once(async () => new (await import('@azure/arm-operationalinsights')).OperationalInsightsManagementClient(credential, subscriptionId, options)),
    containerApps: once(async () => new (await import('@azure/arm-appcontainers')).ContainerAppsAPIClient(credential, subscriptionId, options)),
    registry: once(async () => new (await import('@azure/arm-containerregistry')).ContainerRegistryManagementClient(credential, subscriptionId, options)),
    identities: once(async () => new (await import('@azure/arm-msi')).ManagedServiceIdentityClient(credential, subscriptionId, options)),
    authorization: once(async () => new (await import('@azure/arm-authorization')).default.AuthorizationManagementClient(credential, subscriptionId, options)),
    dns: once(async () => new (await import('@azure/arm-dns')).default.DnsManagementClient(credential, subscriptionId, options)),
  };
}
