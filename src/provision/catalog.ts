/** What `init` offers in its questions: the account's subscriptions and the regions with Container Apps. */
import type { CliContext } from '../cli/context.ts';
import type { Cloud } from '../cloud.ts';
import { createAzureClients } from '../azure/clients.ts';
import { createCredential } from '../azure/credential.ts';
import { httpTimeoutMs } from '../azure/timeout.ts';
import type { Catalog } from './init.ts';

export function azureCatalog(ctx: CliContext, cloud: Cloud, tenantHint: string | undefined): Catalog {
  const clients = (async () => {
    const credential = await createCredential({ cloud, tenantId: tenantHint ?? 'organizations', env: ctx.env });
    return (subscriptionId: string) => createAzureClients(credential, cloud, subscriptionId, 5000, httpTimeoutMs(ctx.env));
  })();
  return {
    async subscriptions() {
      const client = await (await clients)('00000000-0000-0000-0000-000000000000').subscriptions();
      const out: { id: string; name: string; tenantId: string }[] = [];
      for await (const s of client.subscriptions.list()) {
        if (s.subscriptionId && s.tenantId && s.state !== 'Disabled') out.push({ id: s.subscriptionId, name: s.displayName ?? s.subscriptionId, tenantId: s.tenantId });
      }
      return out;
    },
    async regions(subscriptionId) {
      const provider = await (await (await clients)(subscriptionId).resources()).providers.get('Microsoft.App');
      const type = provider.resourceTypes?.find((t) => t.resourceType?.toLowerCase() === 'managedenvironments');
      return (type?.locations ?? []).map((l) => l.toLowerCase().replace(/\s/g, '')).sort();
    },
  };
}
