/**
 * The deployment file: what `init` chose and what `provision` made, schema-validated and free of
 * secrets. One file per deployment (mcp-obo.{prefix}-{env}.json) so dev / stg / prd live side by side.
 */
import { z } from 'zod';
import { CLOUD_NAMES } from '../cloud.ts';
import { ENV, GUID, ID, PREFIX } from './naming.ts';

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
    application: z.object({ objectId: guid, appId: guid, displayName: z.string(), scopeId: guid }),
    servicePrincipal: z.object({ objectId: guid }),
    group: z.object({ objectId: guid, displayName: z.string() }),
    groupAssignment: z.object({ id: z.string() }),
    groupMember: z.object({ userObjectId: guid.nullable() }),
    federatedCredential: z.object({ id: z.string(), name: z.string(), subject: guid }),
    clientSecret: z.object({ keyId: guid, endDateTime: z.string(), startDateTime: z.string().optional(), envFile: z.string() }),
    containerApp: armResource.extend({ fqdn: z.string(), image: z.string(), revision: z.string() }),
    customDomain: z.object({ name: z.string(), certificateId: z.string(), identifierUri: z.string() }),
  })
  .partial();

export type Resources = z.infer<typeof ResourcesSchema>;
export type ResourceKey = keyof Resources;

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
});

export type Deployment = z.infer<typeof DeploymentSchema>;

export function deploymentFileName(d: Pick<Deployment, 'prefix' | 'env'>): string {
  return `mcp-obo.${d.prefix}-${d.env}.json`;
}

export { DEPLOYMENT_FILE_PATTERN } from './locate.ts';
