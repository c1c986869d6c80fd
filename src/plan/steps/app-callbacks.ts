/**
 * The authorization facade signs users in at Entra as this app, so Entra must know the facade's
 * callback: `http://localhost:8000/oauth/callback` for a local `serve` (Entra ignores the port of
 * localhost redirect URIs: learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions)
 * and `https://{container app}.{environment domain}/oauth/callback` for the deployed server, known
 * before the first deploy, so `deploy` needs no directory rights for it. URIs someone else added stay.
 */
import type { Step, StepContext } from '../types.ts';
import { need } from './util.ts';

export const LOCAL_CALLBACK = 'http://localhost:8000/oauth/callback';

export function callbackUris(ctx: StepContext): string[] {
  const domain = ctx.store.deployment.resources.environment?.defaultDomain;
  return [LOCAL_CALLBACK, ...(domain ? [`https://${ctx.names.containerApp}.${domain}/oauth/callback`] : [])];
}

interface Web {
  redirectUris?: string[];
  redirectUriSettings?: unknown;
  [key: string]: unknown;
}

async function web(ctx: StepContext): Promise<Web> {
  const app = need(ctx.store.deployment.resources.application, 'the app registration');
  return (await ctx.graph.get<{ web?: Web }>(`/applications/${app.objectId}?$select=web`)).web ?? {};
}

export const appCallbacksStep: Step = {
  id: 'appCallbacks',
  title: 'sign-in callbacks on the app registration',
  dependsOn: ['application', 'environment'],
  plane: 'entra',
  async plan(ctx) {
    if (!ctx.store.deployment.resources.application) return { action: 'create' };
    const have = (await web(ctx)).redirectUris ?? [];
    const missing = callbackUris(ctx).filter((u) => !have.includes(u));
    return missing.length ? { action: have.length ? 'update' : 'create', detail: `add ${missing.join(', ')}` } : { action: 'unchanged' };
  },
  async apply(ctx, planned) {
    if (planned.action === 'unchanged' || planned.action === 'skip') return;
    const app = need(ctx.store.deployment.resources.application, 'the app registration');
    // The whole web object goes back (a PATCH of a complex property replaces it), with our URIs merged in.
    const { redirectUriSettings: _derived, ...current } = await ctx.retry('app registration', () => web(ctx), { propagation: true });
    const have = current.redirectUris ?? [];
    const redirectUris = [...new Set([...have, ...callbackUris(ctx)])];
    if (redirectUris.length !== have.length) {
      await ctx.retry('sign-in callbacks', () => ctx.graph.patch(`/applications/${app.objectId}`, { web: { ...current, redirectUris } }), { propagation: true });
    }
  },
};
