/**
 * Names of everything a deployment makes, derived from prefix, env and its random id, and the
 * input rules that keep every derived name valid for its resource type.
 */
import { randomInt } from 'node:crypto';
import { UsageError } from '../errors.ts';

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Lower-case letters and digits only: the registry name allows nothing else. */
export const PREFIX = /^[a-z][a-z0-9]{1,7}$/;
export const ENV = /^[a-z][a-z0-9]{1,5}$/;
export const ID = /^[a-z0-9]{4,8}$/;

export interface DeploymentKey {
  prefix: string;
  env: string;
  id: string;
}

export function names({ prefix, env, id }: DeploymentKey) {
  const slug = `${prefix}-${env}-${id}`;
  return {
    slug,
    resourceGroup: `rg-${slug}`,
    workspace: `log-${slug}`,
    environment: `cae-${slug}`,
    registry: `acr${prefix}${env}${id}`,
    identity: `id-${slug}`,
    containerApp: `ca-${slug}`,
    application: `MCP OAuth2 OBO Server (${slug})`,
    /** Alternate key for idempotent upserts of the app registration. */
    applicationUniqueName: `mcp-obo-${slug}`,
    group: `MCP OAuth2 OBO Server Users (${slug})`,
    groupMailNickname: `mcpobo-${slug}`,
    federatedCredential: 'mcp-obo-managed-identity',
    secretDisplayName: `mcp-obo local (${slug})`,
    /** Tag on ARM resources and marker on Entra objects; cleanup finds a deployment by it. */
    tagKey: 'mcp-obo-id',
    entraTag: `mcp-obo-id:${id}`,
  };
}

export function newDeploymentId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = alphabet[randomInt(26)]!; // starts with a letter, so it never reads as a number
  for (let i = 0; i < 4; i++) id += alphabet[randomInt(alphabet.length)];
  return id;
}

export function validateKey(key: Partial<DeploymentKey>): DeploymentKey {
  const { prefix, env, id } = key;
  if (!prefix || !PREFIX.test(prefix)) {
    throw new UsageError(`--prefix "${prefix ?? ''}" is not valid: 2-8 lower-case letters and digits, starting with a letter`, {
      suggestion: 'The registry name acr{prefix}{env}{id} allows only letters and digits, and the container app name stays under 32 characters.',
    });
  }
  if (!env || !ENV.test(env)) {
    throw new UsageError(`--env "${env ?? ''}" is not valid: 2-6 lower-case letters and digits, starting with a letter (e.g. dev, stg, prd)`);
  }
  if (!id || !ID.test(id)) throw new UsageError(`--id "${id ?? ''}" is not valid: 4-8 lower-case letters and digits`);
  return { prefix, env, id };
}

export function validateGuid(flag: string, value: string | undefined): string {
  if (!value || !GUID.test(value)) {
    throw new UsageError(`${flag} "${value ?? ''}" is not a GUID`, { suggestion: `${flag} takes an id like 00000000-0000-0000-0000-000000000000 (\`az account show\` prints yours).` });
  }
  return value.toLowerCase();
}
