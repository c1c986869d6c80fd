/**
 * The deployment file: what `init` chose and what `provision` made, schema-validated and free of
 * secrets. One file per deployment (mcp-obo.{prefix}-{env}.json) so dev / stg / prd live side by side.
 */
import { z } from 'zod';
import { CLOUD_NAMES } from '../cloud.ts';
import { ENV, GUID, ID, PREFIX } from './naming.ts';
import { PACK_NAMES } from '../tools/packs/names.ts';

const guid = z.string().regex(GUID);
const armResource = z.object({ name: z.string(), id: z.string() });

export const ResourcesSchema = z
  .object({
    resourceGroup: armResource,
    workspace: armResource.extend({ customerId: guid }),
    environment: armResource.extend({ defaultDomain: z.string().optional() }),
    registry: armResource.extend({ loginServer: z.string() }),
    identity: armResource.extend({ clientId: guid, principalId: guid }),
    acrPull: z.object({ id: z.string() }),
    application: z.object({
      objectId: guid,
      appId: guid,
      displayName: z.string(),
      scopeId: guid,
      /**
       * Delegated permissions mcp-obo put on the registration for the tools (resource app id -> permission ids),
       * so that a disabled pack's permissions can be taken off again; others' permissions are never touched.
       */
      permissions: z.record(guid, z.array(guid)).optional(),
    }),
    servicePrincipal: z.object({ objectId: guid }),
    group: z.object({ objectId: guid, displayName: z.string() }),
    /** The users group's assignment to the app, or, in a tenant without Entra ID P1/P2, the signed-in user's. */
    groupAssignment: z.object({ id: z.string(), principalType: z.enum(['Group', 'User']).optional() }),
    groupMember: z.object({ userObjectId: guid.nullable() }),
    federatedCredential: z.object({ id: z.string(), name: z.string(), subject: guid }),
    clientSecret: z.object({ keyId: guid, endDateTime: z.string(), startDateTime: z.string().optional(), envFile: z.string() }),
    containerApp: armResource.extend({ fqdn: z.string(), image: z.string(), revision: z.string() }),
    customDomain: z.object({
      name: z.string(),
      certificateId: z.string(),
      identifierUri: z.string(),
    }),
    /** Hosts whose facade callback a deploy made sure of on the app registration: later deploys make no directory call for them. */
    facadeCallbacks: z.array(z.string()),
    /** The pipeline's identity, made by `mcp-obo pipeline github` (cleanup removes it with the rest). */
    pipeline: z.object({
      provider: z.literal('github'),
      repository: z.string(),
      kind: z.enum(['managedIdentity', 'application']),
      name: z.string(),
      /** ARM resource id (identity) or object id (app registration). */
      id: z.string(),
      clientId: guid,
      principalId: guid,
      subjects: z.array(z.string()).default([]),
      roleAssignments: z.array(z.string()).default([]),
      /** The workflow file, relative to the deployment file's folder. */
      workflow: z.string().optional(),
      /** The repository variable set through gh. */
      variable: z.string().optional(),
    }),
  })
  .partial();

export type Resources = z.infer<typeof ResourcesSchema>;

/** A path inside the project: relative, no `..`, so the file cannot point the tools at code elsewhere. */
const projectPath = z
  .string()
  .min(1)
  .refine((p) => !/^([/\\]|[A-Za-z]:)/.test(p) && !p.split(/[/\\]/).includes('..'), 'must be a path inside the project folder (relative, no ..)');

export const ToolsSchema = z.strictObject({
  packs: z.array(z.enum(PACK_NAMES as [string, ...string[]])).optional(),
  modules: z.array(projectPath).optional(),
});
export type ToolsConfig = z.infer<typeof ToolsSchema>;
export type ResourceKey = keyof Resources;

export const InstallInfo = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('registry'), version: z.string(), spec: z.string().describe('what `npm install` takes, e.g. mcp-obo@0.2.0') }),
    z.strictObject({ kind: z.literal('git'), url: z.string(), commit: z.string().regex(/^[0-9a-f]{40}$/) }),
    z.strictObject({ kind: z.literal('tarball'), path: z.string().describe('relative to the deployment file'), integrity: z.string().describe('sha512-… as npm records it') }),
    z.strictObject({ kind: z.literal('project'), lockfile: z.string().describe("the project's npm lockfile, relative to the deployment file, that pins mcp-obo") }),
  ])
  .describe('how mcp-obo was installed (recorded by init), so a pipeline installs exactly the same');
export type InstallInfo = z.infer<typeof InstallInfo>;

export const DeploymentSchema = z.object({
  $schema: z.string().optional(),
  version: z.literal(1),
  id: z.string().regex(ID),
  prefix: z.string().regex(PREFIX),
  env: z.string().regex(ENV),
  tenantId: guid,
  subscriptionId: guid,
  location: z.string().min(2),
  cloud: z.enum(CLOUD_NAMES),
  createdAt: z.string(),
  updatedAt: z.string().optional(),
  resources: ResourcesSchema.default({}),
  /** Public MCP URL once deployed. */
  mcpUrl: z.string().optional(),
  /** Custom domain for the MCP URL (deploy --domain), remembered for later deploys. */
  domain: z.string().optional(),
  install: InstallInfo.optional(),
  /** What the server offers: tool packs by name, and folders or files of your tools (relative to this file). */
  tools: ToolsSchema.optional(),
});

export type Deployment = z.infer<typeof DeploymentSchema>;

export function deploymentFileName(d: Pick<Deployment, 'prefix' | 'env'>): string {
  return `mcp-obo.${d.prefix}-${d.env}.json`;
}

export { DEPLOYMENT_FILE_PATTERN } from './locate.ts';
