/**
 * The tools this server offers, each acting as the signed-in user through an OBO token.
 * Registered on a fresh McpServer per request (the server is stateless).
 */
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { OboClient } from '../obo/client.ts';
import type { GraphApi } from '../downstream/graph.ts';
import type { DevOpsApi, DevOpsOrganization, DevOpsProfile } from '../downstream/devops.ts';
import type { Logger } from '../logger.ts';
import type { KeyedLimiter } from '../limits.ts';
import { describeFailure, failure, ok, userOf } from './result.ts';
import type { UserClaims } from '../auth/verifier.ts';
import { DownstreamError } from '../downstream/http.ts';
import { OboError } from '../obo/errors.ts';

export interface ToolDeps {
  obo: OboClient;
  graph: GraphApi;
  devops: DevOpsApi;
  logger: Logger;
  /** Caps each user's concurrent downstream calls (token exchanges and API requests). */
  limiter: KeyedLimiter;
}

const nullableString = z.string().nullable();
// Schemas are built once; the server registers tools on a fresh McpServer per request.
const noInput = z.object({});
const graphProfileShape = {
  id: z.string().describe('Entra object id of the user'),
  displayName: nullableString,
  givenName: nullableString,
  surname: nullableString,
  mail: nullableString,
  userPrincipalName: nullableString,
  jobTitle: nullableString,
  department: nullableString,
  officeLocation: nullableString,
};
const organizationShape = z.object({ id: z.string(), name: z.string(), url: z.string() });
const devopsProfileShape = {
  id: z.string().describe('Azure DevOps profile (member) id'),
  displayName: nullableString,
  emailAddress: nullableString,
  publicAlias: nullableString,
  organizations: z.array(organizationShape).describe('Azure DevOps organisations the user belongs to'),
};
const userContextShape = {
  name: nullableString,
  email: nullableString,
  jobTitle: nullableString,
  department: nullableString,
  devopsOrganizations: z.array(z.string()),
  errors: z.array(z.object({ source: z.enum(['graph', 'devops']), message: z.string() })).describe('Sources that could not be read'),
};
const graphProfileOutput = z.object(graphProfileShape);
const devopsProfileOutput = z.object(devopsProfileShape);
const userContextOutput = z.object(userContextShape);

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;

export function registerTools(server: McpServer, deps: ToolDeps): void {
  const limited = <T>(user: { tid: string; oid: string }, call: () => Promise<T>) => deps.limiter.run(`${user.tid}/${user.oid}`, call);
  const devopsProfile = async (token: string, user: UserClaims): Promise<DevOpsProfile & { organizations: DevOpsOrganization[] }> => {
    const downstream = await limited(user, () => deps.obo.getToken(token, 'devops', { user: `${user.tid}/${user.oid}` }));
    const profile = await limited(user, () => deps.devops.getProfile(downstream));
    return { ...profile, organizations: await limited(user, () => deps.devops.getOrganizations(downstream, profile.id)) };
  };
  const graphProfile = async (token: string, user: UserClaims) => {
    const who = `${user.tid}/${user.oid}`;
    const downstream = await limited(user, () => deps.obo.getToken(token, 'graph', { user: who }));
    try {
      return await limited(user, () => deps.graph.getMe(downstream));
    } catch (err) {
      if (!(err instanceof DownstreamError) || !err.claims) throw err;
      // Continuous Access Evaluation: none of this user's Graph tokens may be served again. Ask Entra once
      // with the claims; if it cannot satisfy them without the user, the challenge goes back to the client.
      deps.obo.evictUser(who, 'graph');
      const fresh = await limited(user, () => deps.obo.getToken(token, 'graph', { user: who, claims: err.claims })).catch((oboErr: unknown) => {
        throw oboErr instanceof OboError ? new OboError(oboErr.failure === 'unknown' ? 'claims_challenge' : oboErr.failure, err.message, { claims: err.claims, aadsts: oboErr.aadsts, cause: oboErr }) : oboErr;
      });
      return limited(user, () => deps.graph.getMe(fresh));
    }
  };

  server.registerTool(
    'graph_get_profile',
    {
      title: 'Microsoft 365 profile',
      description: "Reads the signed-in user's Microsoft 365 / Entra ID profile from Microsoft Graph (name, e-mail, job title, department, office). Takes no arguments.",
      inputSchema: noInput,
      outputSchema: graphProfileOutput,
      annotations: READ_ONLY,
    },
    async (_args, extra) => {
      const { token, user } = userOf(extra.authInfo);
      try {
        return ok({ ...(await graphProfile(token, user)) });
      } catch (err) {
        return failure(err, 'graph_get_profile', user, deps.logger);
      }
    },
  );

  server.registerTool(
    'devops_get_profile',
    {
      title: 'Azure DevOps profile',
      description: "Reads the signed-in user's Azure DevOps profile and the Azure DevOps organisations they belong to. Takes no arguments.",
      inputSchema: noInput,
      outputSchema: devopsProfileOutput,
      annotations: READ_ONLY,
    },
    async (_args, extra) => {
      const { token, user } = userOf(extra.authInfo);
      try {
        return ok({ ...(await devopsProfile(token, user)) });
      } catch (err) {
        return failure(err, 'devops_get_profile', user, deps.logger);
      }
    },
  );

  server.registerTool(
    'get_user_context',
    {
      title: 'Who am I',
      description: 'A short summary of the signed-in user from Microsoft Graph and Azure DevOps together (name, e-mail, job title, department, DevOps organisations). If one source fails, the other is still returned and the failure is listed in `errors`.',
      inputSchema: noInput,
      outputSchema: userContextOutput,
      annotations: READ_ONLY,
    },
    async (_args, extra) => {
      const { token, user } = userOf(extra.authInfo);
      const [graph, devops] = await Promise.allSettled([graphProfile(token, user), devopsProfile(token, user)]);
      if (graph.status === 'rejected' && devops.status === 'rejected') return failure(graph.reason, 'get_user_context', user, deps.logger);
      const errors: { source: 'graph' | 'devops'; message: string }[] = [];
      if (graph.status === 'rejected') errors.push({ source: 'graph', message: describeFailure(graph.reason).message });
      if (devops.status === 'rejected') errors.push({ source: 'devops', message: describeFailure(devops.reason).message });
      const g = graph.status === 'fulfilled' ? graph.value : undefined;
      const d = devops.status === 'fulfilled' ? devops.value : undefined;
      return ok({
        name: g?.displayName ?? d?.displayName ?? null,
        email: g?.mail ?? g?.userPrincipalName ?? d?.emailAddress ?? null,
        jobTitle: g?.jobTitle ?? null,
        department: g?.department ?? null,
        devopsOrganizations: [...new Set(d?.organizations.map((o) => o.name) ?? [])],
        errors,
      });
    },
  );
}
