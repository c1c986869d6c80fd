/** Small helpers shared by the steps. */
import { createHash } from 'node:crypto';
import { isNotFound } from '../../azure/errors.ts';
import type { Planned, StepContext } from '../types.ts';

/** The result of `get`, or undefined when the thing does not exist (404). */
export async function optional<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Tags every ARM resource of a deployment carries; cleanup finds them by the id tag. */
export function armTags(ctx: StepContext): Record<string, string> {
  const d = ctx.store.deployment;
  return { [ctx.names.tagKey]: d.id, 'mcp-obo-deployment': `${d.prefix}-${d.env}`, 'managed-by': 'mcp-obo' };
}

/** The plan for an ARM resource we own: create when missing, else update for `drift` or tags. */
export function planOwned(ctx: StepContext, resource: { tags?: Record<string, string> } | undefined, drift?: string): Planned {
  if (!resource) return { action: 'create' };
  if (drift) return { action: 'update', detail: drift };
  return tagsDiffer(resource.tags, armTags(ctx)) ? { action: 'update', detail: 'tags' } : { action: 'unchanged' };
}

export function tagsDiffer(actual: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).some(([k, v]) => actual?.[k] !== v);
}

/** A stable UUID from its inputs, so a retried create uses the same name (role assignments). */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function pollOptions(ctx: StepContext) {
  return { updateIntervalInMs: ctx.azure.pollIntervalMs };
}

/** Outputs the step needs from a dependency, or a clear error when the file lost them. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing from the deployment file; rerun \`mcp-obo provision\``);
  return value;
}
