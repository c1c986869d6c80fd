/**
 * The federated identity credential that lets the managed identity act as the app: issuer
 * {the cloud's authority}/{tenant}/v2.0, subject = the identity's principal (object) id, audience
 * the cloud's token-exchange audience. This is why production holds no secret. Issuer and audience
 * come from the cloud table, never from AZURE_AUTHORITY_HOST: whoever controls the issuer can sign
 * in as the app, so an overridden endpoint must not decide it.
 */
import type { Step, StepContext } from '../types.ts';
import { need, optional } from './util.ts';

interface Fic {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

function desired(ctx: StepContext, principalId: string) {
  return {
    name: ctx.names.federatedCredential,
    issuer: `${ctx.cloud.issuerAuthority}/${ctx.store.deployment.tenantId}/v2.0`,
    subject: principalId,
    audiences: [ctx.cloud.tokenExchangeAudience],
    description: `Managed identity ${ctx.names.identity} (mcp-obo ${ctx.names.slug})`,
  };
}

async function find(ctx: StepContext, appObjectId: string): Promise<Fic | undefined> {
  const list = await optional(() => ctx.graph.list<Fic>(`/applications/${appObjectId}/federatedIdentityCredentials`));
  return list?.find((f) => f.name === ctx.names.federatedCredential);
}

function matches(f: Fic, want: ReturnType<typeof desired>): boolean {
  return f.issuer === want.issuer && f.subject === want.subject && f.audiences.length === 1 && f.audiences[0] === want.audiences[0];
}

export const federatedCredentialStep: Step = {
  id: 'federatedCredential',
  title: 'federated credential for the managed identity',
  dependsOn: ['application', 'identity'],
  plane: 'entra',
  async plan(ctx) {
    const { application, identity } = ctx.store.deployment.resources;
    if (!application) return { action: 'create' };
    const fic = await find(ctx, application.objectId);
    if (!fic) return { action: 'create' };
    // A new identity (dry run after drift): the credential is there, its subject will change.
    if (!identity) return { action: 'update', detail: 'subject' };
    return matches(fic, desired(ctx, identity.principalId)) ? { action: 'unchanged' } : { action: 'update', detail: 'issuer, subject or audience' };
  },
  async apply(ctx) {
    const app = need(ctx.store.deployment.resources.application, 'the app registration');
    const identity = need(ctx.store.deployment.resources.identity, 'the managed identity');
    const want = desired(ctx, identity.principalId);
    let fic = await find(ctx, app.objectId);
    if (!fic) {
      fic = await ctx.retry('federated credential', () => ctx.graph.post<Fic>(`/applications/${app.objectId}/federatedIdentityCredentials`, want), { propagation: true });
    } else if (!matches(fic, want)) {
      const id = fic.id;
      await ctx.retry('federated credential', () => ctx.graph.patch(`/applications/${app.objectId}/federatedIdentityCredentials/${id}`, { issuer: want.issuer, subject: want.subject, audiences: want.audiences }), {
        propagation: true,
      });
    }
    await ctx.store.setResource('federatedCredential', { id: fic.id, name: want.name, subject: identity.principalId });
  },
};
