/**
 * Adopting an object found by name. An app registration found by its unique name, or a group found by
 * its display name and mail nickname, may have been planted by someone else to take the deployment
 * over: a client secret, certificate or federated credential they added would sign in as our server,
 * an owner could add one later, a member they added would be let in. So an object found by name rather
 * than by the id saved in the deployment file is adopted only if the caller owns it and nothing on it
 * comes from anyone else; otherwise the run stops and names the object. (By-name finds exist for one
 * honest reason: a run killed after creating the object and before saving its id; such an object is
 * the caller's and carries nothing yet.)
 */
import { McpOboError } from '../../errors.ts';
import type { StepContext } from '../types.ts';
import type { App } from './app-merge.ts';
import { optional } from './util.ts';

export class AdoptionRefusedError extends McpOboError {}

const lc = (s: string) => s.toLowerCase();

async function foreignOwners(ctx: StepContext, collection: string, id: string): Promise<string[]> {
  const owners = (await ctx.graph.list<{ id: string; displayName?: string; appDisplayName?: string; userPrincipalName?: string }>(`/${collection}/${id}/owners`)) ?? [];
  const others = owners.filter((o) => lc(o.id) !== lc(ctx.caller.objectId)).map((o) => `owner ${o.userPrincipalName ?? o.displayName ?? o.appDisplayName ?? o.id}`);
  return owners.some((o) => lc(o.id) === lc(ctx.caller.objectId)) ? others : ['you are not an owner', ...others];
}

function refuse(ctx: StepContext, what: string, id: string, reasons: string[]): AdoptionRefusedError {
  return new AdoptionRefusedError(`refusing to adopt ${what} (${id}), found by name and not by the id in the deployment file: ${reasons.join('; ')}`, {
    suggestion:
      `Someone else may have created it to take this deployment over: nothing was created. Inspect it in the Entra admin center. If it is yours from an earlier run whose deployment file was lost, remove what is listed (or delete it) and rerun; otherwise choose another deployment id: \`mcp-obo init --force --id <new id>\`.`,
  });
}

/** Throws AdoptionRefusedError unless the app registration (and its service principal) is safe to adopt. */
export async function checkAppAdoption(ctx: StepContext, app: App): Promise<void> {
  const reasons = await foreignOwners(ctx, 'applications', app.id);
  const full = await ctx.graph.get<App>(`/applications/${app.id}?$select=id,passwordCredentials,keyCredentials`);
  for (const p of full.passwordCredentials ?? []) reasons.push(`client secret "${p.displayName ?? p.keyId}"`);
  if (full.keyCredentials?.length) reasons.push(`${full.keyCredentials.length} certificate(s)`);
  const fics = await ctx.graph.list<{ name: string; issuer: string; subject: string }>(`/applications/${app.id}/federatedIdentityCredentials`);
  for (const f of fics) reasons.push(`federated credential "${f.name}" (issuer ${f.issuer}, subject ${f.subject})`);
  const sp = await optional(() => ctx.graph.get<{ id: string; passwordCredentials?: unknown[]; keyCredentials?: unknown[] }>(`/servicePrincipals(appId='${app.appId}')?$select=id,passwordCredentials,keyCredentials`));
  if (sp) {
    if (sp.passwordCredentials?.length || sp.keyCredentials?.length) reasons.push('credentials on its service principal');
    reasons.push(...(await foreignOwners(ctx, 'servicePrincipals', sp.id)).filter((r) => r !== 'you are not an owner').map((r) => `service principal ${r}`));
  }
  if (reasons.length) throw refuse(ctx, `app registration "${ctx.names.application}"`, app.id, reasons);
}

/** Throws AdoptionRefusedError unless the users group is safe to adopt: the caller's, with nobody else in it. */
export async function checkGroupAdoption(ctx: StepContext, group: { id: string; displayName: string }): Promise<void> {
  const reasons = await foreignOwners(ctx, 'groups', group.id);
  const members = await ctx.graph.list<{ id: string; displayName?: string; userPrincipalName?: string }>(`/groups/${group.id}/members?$select=id,displayName,userPrincipalName`);
  for (const m of members) if (lc(m.id) !== lc(ctx.caller.objectId)) reasons.push(`member ${m.userPrincipalName ?? m.displayName ?? m.id}`);
  if (reasons.length) throw refuse(ctx, `group "${group.displayName}"`, group.id, reasons);
}
