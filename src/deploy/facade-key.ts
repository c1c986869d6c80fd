/**
 * The deployed authorization facade's sealing key: a Container Apps secret the container reads
 * through a secretRef, never in the deployment file and never printed. It stays the same across
 * deploys (sessions and client registrations survive); `--rotate-facade-key` makes a new one and
 * keeps the old one as MCP_OBO_FACADE_KEY_PREVIOUS, so signed-in clients keep working.
 */
import { randomBytes } from 'node:crypto';
import type { AzureClients } from '../azure/clients.ts';
import { isNotFound } from '../azure/errors.ts';

export const FACADE_KEY_SECRET = 'mcp-obo-facade-key';
export const FACADE_KEY_PREVIOUS_SECRET = 'mcp-obo-facade-key-previous';

export interface FacadeKeys {
  current: string;
  previous?: string;
  /** What happened, for the status line. */
  origin: 'kept' | 'new' | 'rotated';
}

/** The keys the next revision runs with: the app's current ones, a first one, or a rotation. */
export async function facadeKeys(azure: AzureClients, resourceGroup: string, app: string, rotate: boolean): Promise<FacadeKeys> {
  const client = await azure.containerApps();
  let secrets: { name?: string; value?: string }[] = [];
  try {
    secrets = (await client.containerApps.listSecrets(resourceGroup, app)).value ?? [];
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const existing = secrets.find((s) => s.name === FACADE_KEY_SECRET)?.value;
  const fresh = () => randomBytes(32).toString('base64');
  if (!existing) return { current: fresh(), origin: 'new' };
  if (rotate) return { current: fresh(), previous: existing, origin: 'rotated' };
  const previous = secrets.find((s) => s.name === FACADE_KEY_PREVIOUS_SECRET)?.value;
  return { current: existing, ...(previous ? { previous } : {}), origin: 'kept' };
}
