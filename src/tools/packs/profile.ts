/** The `profile` pack: who the signed-in user is, in Microsoft 365 and in Azure DevOps. */
import { z } from 'zod';
import { defineTool, type ToolContext } from '../define.ts';
import { READ_ONLY } from '../helpers.ts';

const nullableString = z.string().nullable();
const GRAPH_FIELDS = ['id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'jobTitle', 'department', 'officeLocation'] as const;

const graphProfile = z.object({
  id: z.string().describe('Entra object id of the user'),
  displayName: nullableString,
  givenName: nullableString,
  surname: nullableString,
  mail: nullableString,
  userPrincipalName: nullableString,
  jobTitle: nullableString,
  department: nullableString,
  officeLocation: nullableString,
});
const organization = z.object({ id: z.string(), name: z.string(), url: z.string() });
const devopsProfile = z.object({
  id: z.string().describe('Azure DevOps profile (member) id'),
  displayName: nullableString,
  emailAddress: nullableString,
  publicAlias: nullableString,
  organizations: z.array(organization).describe('Azure DevOps organisations the user belongs to'),
});

type Ctx = ToolContext;

async function readGraphProfile(ctx: Ctx): Promise<z.infer<typeof graphProfile>> {
  const body = (await ctx.graph.api('/me').select([...GRAPH_FIELDS]).get()) as Record<string, unknown>;
  const out = {} as Record<string, string | null>;
  for (const f of GRAPH_FIELDS) out[f] = typeof body[f] === 'string' ? (body[f] as string) : null;
  if (!out.id) throw new Error('Microsoft Graph returned a profile without an id');
  return out as z.infer<typeof graphProfile>;
}

async function readDevopsProfile(ctx: Ctx): Promise<z.infer<typeof devopsProfile>> {
  const [profile, organizations] = await Promise.all([ctx.devops.profile(), ctx.devops.organizations()]);
  return { ...profile, organizations };
}

export const graphGetProfile = defineTool({
  name: 'graph_get_profile',
  title: 'Microsoft 365 profile',
  description: "Reads the signed-in user's Microsoft 365 / Entra ID profile from Microsoft Graph (name, e-mail, job title, department, office). Takes no arguments.",
  output: graphProfile,
  annotations: READ_ONLY,
  scopes: { graph: ['User.Read'] },
  handler: (_input, ctx) => readGraphProfile(ctx),
});

export const devopsGetProfile = defineTool({
  name: 'devops_get_profile',
  title: 'Azure DevOps profile',
  description: "Reads the signed-in user's Azure DevOps profile and the Azure DevOps organisations they belong to. Takes no arguments.",
  output: devopsProfile,
  annotations: READ_ONLY,
  scopes: { devops: ['vso.profile'] },
  handler: (_input, ctx) => readDevopsProfile(ctx),
});

export const getUserContext = defineTool({
  name: 'get_user_context',
  title: 'Who am I',
  description:
    'A short summary of the signed-in user from Microsoft Graph and Azure DevOps together (name, e-mail, job title, department, DevOps organisations). If one source fails, the other is still returned and the failure is listed in `errors`.',
  output: z.object({
    name: nullableString,
    email: nullableString,
    jobTitle: nullableString,
    department: nullableString,
    devopsOrganizations: z.array(z.string()),
    errors: z.array(z.object({ source: z.enum(['graph', 'devops']), message: z.string() })).describe('Sources that could not be read'),
  }),
  annotations: READ_ONLY,
  scopes: { graph: ['User.Read'], devops: ['vso.profile'] },
  async handler(_input, ctx) {
    const [graph, devops] = await Promise.allSettled([readGraphProfile(ctx), readDevopsProfile(ctx)]);
    if (graph.status === 'rejected' && devops.status === 'rejected') throw graph.reason;
    const errors: { source: 'graph' | 'devops'; message: string }[] = [];
    if (graph.status === 'rejected') errors.push({ source: 'graph', message: ctx.describeError(graph.reason) });
    if (devops.status === 'rejected') errors.push({ source: 'devops', message: ctx.describeError(devops.reason) });
    const g = graph.status === 'fulfilled' ? graph.value : undefined;
    const d = devops.status === 'fulfilled' ? devops.value : undefined;
    return {
      name: g?.displayName ?? d?.displayName ?? null,
      email: g?.mail ?? g?.userPrincipalName ?? d?.emailAddress ?? null,
      jobTitle: g?.jobTitle ?? null,
      department: g?.department ?? null,
      devopsOrganizations: [...new Set(d?.organizations.map((o) => o.name) ?? [])],
      errors,
    };
  },
});

export const profilePack = [graphGetProfile, devopsGetProfile, getUserContext];
