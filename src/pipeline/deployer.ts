/**
 * The pipeline's own identity and its federated credentials: a user-assigned managed identity in
 * the deployment's resource group (the default: it lives and dies with the deployment, and no one
 * needs the right to register applications), or an app registration (`--app`). Both sign in with
 * GitHub's OIDC token through workload identity federation; neither has a secret.
 */
import type { StepContext } from '../plan/types.ts';
import { armTags, optional } from '../plan/steps/util.ts';
import { GITHUB_ISSUER } from './subjects.ts';

export type DeployerKind = 'managedIdentity' | 'application';

export interface Deployer {
  kind: DeployerKind;
  name: string;
  /** ARM resource id (identity) or object id (application). */
  id: string;
  clientId: string;
  /** The service principal that role assignments and app roles name. */
  principalId: string;
}

export interface Credential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface DeployerApi {
  readonly kind: DeployerKind;
  readonly name: string;
  find(): Promise<Deployer | undefined>;
  create(): Promise<Deployer>;
  credentials(d: Deployer): Promise<Credential[]>;
  /** One at a time: Azure refuses concurrent credential writes under one managed identity. */
  putCredential(d: Deployer, c: Credential): Promise<void>;
  deleteCredential(d: Deployer, name: string): Promise<void>;
}

export function deployerNames(slug: string): Record<DeployerKind, string> {
  return { managedIdentity: `id-${slug}-github`, application: `MCP OAuth2 OBO Server Deployer (${slug})` };
}

export function managedIdentityDeployer(ctx: StepContext): DeployerApi {
  const name = deployerNames(ctx.names.slug).managedIdentity;
  const rg = ctx.names.resourceGroup;
  const toDeployer = (mi: { id?: string; clientId?: string; principalId?: string }): Deployer => ({ kind: 'managedIdentity', name, id: mi.id!, clientId: mi.clientId!, principalId: mi.principalId! });
  return {
    kind: 'managedIdentity',
    name,
    async find() {
      const mi = await optional(async () => (await ctx.azure.identities()).userAssignedIdentities.get(rg, name));
      return mi ? toDeployer(mi) : undefined;
    },
    async create() {
      const client = await ctx.azure.identities();
      return toDeployer(await ctx.retry('pipeline identity', () => client.userAssignedIdentities.createOrUpdate(rg, name, { location: ctx.store.deployment.location, tags: { ...armTags(ctx), 'mcp-obo-role': 'github-deployer' } })));
    },
    async credentials() {
      const out: Credential[] = [];
      for await (const f of (await ctx.azure.identities()).federatedIdentityCredentials.list(rg, name)) out.push({ name: f.name!, issuer: f.issuer!, subject: f.subject!, audiences: f.audiences ?? [] });
      return out;
    },
    async putCredential(_d, c) {
      const client = await ctx.azure.identities();
      await ctx.retry(`federated credential ${c.name}`, () => client.federatedIdentityCredentials.createOrUpdate(rg, name, c.name, { issuer: c.issuer, subject: c.subject, audiences: c.audiences }), { propagation: true });
    },
    async deleteCredential(_d, credential) {
      const client = await ctx.azure.identities();
      await ctx.retry(`federated credential ${credential}`, () => client.federatedIdentityCredentials.delete(rg, name, credential));
    },
  };
}

export function applicationDeployer(ctx: StepContext): DeployerApi {
  const name = deployerNames(ctx.names.slug).application;
  const tags = [ctx.names.entraTag, 'mcp-obo-role:github-deployer'];
  const spOf = async (appId: string) => (await ctx.graph.list<{ id: string }>(`/servicePrincipals?$filter=appId eq '${appId}'&$select=id`))[0];
  return {
    kind: 'application',
    name,
    async find() {
      const apps = await ctx.graph.list<{ id: string; appId: string; tags?: string[] }>(`/applications?$filter=displayName eq '${name.replace(/'/g, "''")}'&$select=id,appId,tags`);
      const app = apps.find((a) => a.tags?.includes(ctx.names.entraTag));
      if (!app) return undefined;
      const sp = await spOf(app.appId);
      return sp ? { kind: 'application', name, id: app.id, clientId: app.appId, principalId: sp.id } : undefined;
    },
    async create() {
      const found = await this.find();
      if (found) return found;
      const app = await ctx.retry('pipeline app registration', () => ctx.graph.post<{ id: string; appId: string }>('/applications', { displayName: name, signInAudience: 'AzureADMyOrg', tags }));
      const sp = (await spOf(app.appId)) ?? (await ctx.retry('pipeline service principal', () => ctx.graph.post<{ id: string }>('/servicePrincipals', { appId: app.appId, tags }), { propagation: true }));
      return { kind: 'application', name, id: app.id, clientId: app.appId, principalId: sp.id };
    },
    async credentials(d) {
      return ctx.graph.list<Credential>(`/applications/${d.id}/federatedIdentityCredentials`);
    },
    async putCredential(d, c) {
      const existing = (await this.credentials(d)).find((x) => x.name === c.name);
      const path = `/applications/${d.id}/federatedIdentityCredentials(name='${c.name}')`;
      if (existing) await ctx.retry(`federated credential ${c.name}`, () => ctx.graph.patch(path, { subject: c.subject, issuer: c.issuer, audiences: c.audiences }), { propagation: true });
      else await ctx.retry(`federated credential ${c.name}`, () => ctx.graph.post(`/applications/${d.id}/federatedIdentityCredentials`, c), { propagation: true });
    },
    async deleteCredential(d, credential) {
      await ctx.retry(`federated credential ${credential}`, () => ctx.graph.delete(`/applications/${d.id}/federatedIdentityCredentials(name='${credential}')`));
    },
  };
}

/** What our credentials should be, against what is there: ours (github-*) that match nothing are removed. */
export function credentialChanges(wanted: Credential[], actual: Credential[], ours: RegExp): { put: Credential[]; remove: string[] } {
  const same = (a: Credential, b: Credential) => a.issuer === b.issuer && a.subject === b.subject && a.audiences.join() === b.audiences.join();
  const put = wanted.filter((w) => !actual.some((a) => a.name === w.name && same(a, w)));
  const remove = actual.filter((a) => ours.test(a.name) && a.issuer === GITHUB_ISSUER && !wanted.some((w) => w.name === a.name)).map((a) => a.name);
  return { put, remove };
}
