/**
 * Azure clouds and their endpoints. `--cloud` picks one; AZURE_AUTHORITY_HOST, MCP_OBO_ARM_ENDPOINT
 * and MCP_OBO_GRAPH_ENDPOINT override where requests go, one by one (proxies, private endpoints, and
 * how the tests reach the local emulator). What Azure itself decides stays the cloud's whatever the
 * endpoints: token audiences, the token-exchange audience and the issuer of managed-identity tokens,
 * which the federated credential trusts. An environment variable must never be able to make the app
 * registration trust another issuer.
 */
import { UsageError } from './errors.ts';
import { httpsUrlFromEnv } from './env-url.ts';

export interface Cloud {
  name: CloudName;
  authorityHost: string;
  armEndpoint: string;
  graphEndpoint: string;
  /** Audience of ARM tokens, e.g. https://management.azure.com/.default */
  armScope: string;
  graphScope: string;
  /** Domain suffix of container registries' login servers. */
  acrSuffix: string;
  /**
   * Audience of the managed-identity token that serves as the app's client assertion, and so of the
   * federated credential: `api://AzureADTokenExchange` only in the public cloud. Source: "Configure an
   * application to trust a managed identity", learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity
   * (MicrosoftDocs/entra-docs docs/workload-id/workload-identity-federation-config-app-trust-managed-identity.md).
   */
  tokenExchangeAudience: string;
  /**
   * Authority that issues this cloud's tokens (`iss` = `{host}/{tenant}/v2.0`), from the table only:
   * the federated credential's issuer. AZURE_AUTHORITY_HOST does not change it.
   */
  issuerAuthority: string;
  /**
   * Audience the registries' token exchange (`/oauth2/exchange`) expects: the registry service's own, which
   * registries accept whatever their azureADAuthenticationAsArmPolicy (an ARM token is refused once it is
   * disabled). MicrosoftDocs/azure-management-docs container-registry-disable-authentication-as-arm.md; the
   * sovereign values as in ratify-project/ratify pkg/common/oras/authprovider/azure/const.go.
   */
  acrScope: string;
}

export const CLOUD_NAMES = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

const CLOUDS: Record<CloudName, Omit<Cloud, 'name' | 'issuerAuthority'>> = {
  AzureCloud: {
    authorityHost: 'https://login.microsoftonline.com',
    armEndpoint: 'https://management.azure.com',
    graphEndpoint: 'https://graph.microsoft.com',
    armScope: 'https://management.azure.com/.default',
    graphScope: 'https://graph.microsoft.com/.default',
    acrSuffix: 'azurecr.io',
    tokenExchangeAudience: 'api://AzureADTokenExchange',
    acrScope: 'https://containerregistry.azure.net/.default',
  },
  AzureUSGovernment: {
    authorityHost: 'https://login.microsoftonline.us',
    armEndpoint: 'https://management.usgovcloudapi.net',
    graphEndpoint: 'https://graph.microsoft.us',
    armScope: 'https://management.usgovcloudapi.net/.default',
    graphScope: 'https://graph.microsoft.us/.default',
    acrSuffix: 'azurecr.us',
    tokenExchangeAudience: 'api://AzureADTokenExchangeUSGov',
    acrScope: 'https://containerregistry.azure.us/.default',
  },
  AzureChinaCloud: {
    authorityHost: 'https://login.chinacloudapi.cn',
    armEndpoint: 'https://management.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
    acrSuffix: 'azurecr.cn',
    tokenExchangeAudience: 'api://AzureADTokenExchangeChina',
    acrScope: 'https://containerregistry.azure.cn/.default',
  },
};

/** Hosts whose instance discovery msal can resolve itself; any other authority disables it. */
const MICROSOFT_AUTHORITY_HOSTS = new Set(Object.values(CLOUDS).map((c) => new URL(c.authorityHost).host));

export function resolveCloud(name: string | undefined, env: Readonly<Record<string, string | undefined>>): Cloud {
  const cloudName = (name ?? env.MCP_OBO_CLOUD ?? 'AzureCloud') as CloudName;
  if (!CLOUD_NAMES.includes(cloudName)) {
    throw new UsageError(`unknown cloud "${cloudName}"`, { suggestion: `Use one of: ${CLOUD_NAMES.join(', ')}.` });
  }
  const base = CLOUDS[cloudName];
  return {
    name: cloudName,
    ...base,
    issuerAuthority: base.authorityHost,
    authorityHost: httpsUrlFromEnv(env, 'AZURE_AUTHORITY_HOST', base.authorityHost, { originOnly: true }),
    armEndpoint: httpsUrlFromEnv(env, 'MCP_OBO_ARM_ENDPOINT', base.armEndpoint, { originOnly: true }),
    graphEndpoint: httpsUrlFromEnv(env, 'MCP_OBO_GRAPH_ENDPOINT', base.graphEndpoint, { originOnly: true }),
  };
}

export function isMicrosoftAuthority(authorityHost: string): boolean {
  return MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHost).host);
}
