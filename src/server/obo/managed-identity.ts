/**
 * The client assertion in Azure: a token for the cloud's token-exchange audience
 * (api://AzureADTokenExchange in the public cloud, ...USGov, ...China) from the user-assigned
 * managed identity, which the app registration trusts through a federated identity credential.
 * msal-node's ManagedIdentityApplication reads IDENTITY_ENDPOINT / IDENTITY_HEADER (set by the
 * platform) and caches the token until shortly before it expires, so each call is cheap.
 */
import type { INetworkModule, ManagedIdentityApplication } from '@azure/msal-node';
import { OboError } from './errors.ts';
import { loadMsal } from './msal.ts';

export function managedIdentityAssertion(miClientId: string, tokenExchangeAudience: string, networkClient?: INetworkModule): () => Promise<string> {
  let app: Promise<ManagedIdentityApplication> | undefined;
  return async () => {
    app ??= loadMsal().then(
      ({ ManagedIdentityApplication }) => new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: miClientId }, ...(networkClient ? { system: { networkClient } } : {}) }),
    );
    try {
      const result = await (await app).acquireToken({ resource: tokenExchangeAudience });
      return result.accessToken;
    } catch (err) {
      throw new OboError('server_credential', 'The server could not get a token from its managed identity. An operator should check that the identity is attached to the container app (`mcp-obo deploy` attaches it).', { retryable: true, cause: err });
    }
  };
}
