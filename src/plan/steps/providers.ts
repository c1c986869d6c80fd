/** The resource providers a deployment uses, registered in the subscription when they are not. */
import type { Step, StepContext } from '../types.ts';

export const NAMESPACES = ['Microsoft.App', 'Microsoft.OperationalInsights', 'Microsoft.ContainerRegistry', 'Microsoft.ManagedIdentity'];

async function unregistered(ctx: StepContext): Promise<string[]> {
  const client = await ctx.azure.resources();
  const states = await Promise.all(NAMESPACES.map(async (ns) => [ns, (await client.providers.get(ns)).registrationState] as const));
  return states.filter(([, s]) => s !== 'Registered').map(([ns]) => ns);
}

export const providersStep: Step = {
  id: 'providers',
  title: 'resource providers registered',
  dependsOn: [],
  plane: 'arm',
  async plan(ctx) {
    const missing = await unregistered(ctx);
    return missing.length ? { action: 'update', detail: missing.join(', ') } : { action: 'unchanged' };
  },
  async apply(ctx, planned) {
    if (planned.action === 'unchanged') return;
    const client = await ctx.azure.resources();
    const missing = await unregistered(ctx);
    await Promise.all(missing.map((ns) => ctx.retry(`register ${ns}`, () => client.providers.register(ns))));
    // Registration is asynchronous; wait until every namespace says Registered.
    for (let i = 0; (await unregistered(ctx)).length > 0; i++) {
      if (i >= 60) throw new Error(`resource providers still registering after ${i} checks: run \`az provider show -n Microsoft.App\``);
      await ctx.clock.sleep(Math.min(10_000, 500 * 2 ** Math.min(i, 4)));
    }
  },
};
