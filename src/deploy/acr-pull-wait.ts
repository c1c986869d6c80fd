/**
 * A registry that refuses the managed identity's pull right after `provision` is usually the AcrPull role
 * assignment not applied yet: Azure RBAC changes can take up to about 10 minutes to take effect
 * (learn.microsoft.com/azure/role-based-access-control/troubleshooting, "Role assignment changes are not being
 * detected"). Worth waiting for while the assignment is that young; otherwise it is a real refusal, explained.
 */
import type { AzureClients } from '../azure/clients.ts';
import { isNotFound } from '../azure/errors.ts';

/** RBAC's documented ~10 minutes, with a margin. */
export const PROPAGATION_WINDOW_MS = 15 * 60_000;

export interface PullRefusal {
  /** The assignment is young enough that waiting may help. */
  propagating: boolean;
  /** One sentence for the user. */
  why: string;
}

const minutes = (ms: number): string => (ms < 90_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`);

export async function explainPullRefusal(azure: AzureClients, roleAssignmentId: string | undefined, now: number): Promise<PullRefusal> {
  if (!roleAssignmentId) return { propagating: false, why: 'the deployment records no AcrPull role assignment for the identity' };
  let createdOn: Date | undefined;
  try {
    const client = await azure.authorization();
    createdOn = (await client.roleAssignments.getById(roleAssignmentId.replace(/^\//, ''))).createdOn;
  } catch (err) {
    if (isNotFound(err)) return { propagating: false, why: "the identity's AcrPull role assignment on the registry no longer exists" };
    return { propagating: false, why: `the AcrPull role assignment could not be read (${(err as Error).message.split('\n')[0]})` };
  }
  const age = createdOn ? now - createdOn.getTime() : Number.POSITIVE_INFINITY;
  if (age < PROPAGATION_WINDOW_MS) {
    return { propagating: true, why: `the AcrPull role assignment was made ${minutes(Math.max(0, age))} ago, and Azure can take up to 10 minutes to apply a new role assignment` };
  }
  return { propagating: false, why: `the AcrPull role assignment exists since ${createdOn?.toISOString() ?? 'an unknown time'}, so this is not the delay after provision` };
}
