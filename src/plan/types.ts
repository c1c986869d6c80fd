/**
 * The provisioning model: a step looks at what exists (plan), then makes it so (apply), and
 * records its outputs in the deployment file. A rerun plans `unchanged` and changes nothing.
 */
import type { Clock } from '../clock.ts';
import type { Cloud } from '../cloud.ts';
import type { AzureClients } from '../azure/clients.ts';
import type { GraphApi } from '../graph/client.ts';
import type { DeploymentStore } from '../state/store.ts';
import type { names } from '../state/naming.ts';
import type { PermissionPlan } from '../permissions/plan.ts';

export type Action = 'create' | 'update' | 'unchanged' | 'skip';

export interface Planned {
  action: Action;
  /** Why, in a few words ("tags differ", "--no-secret"). */
  detail?: string;
}

export interface StepContext {
  store: DeploymentStore;
  names: ReturnType<typeof names>;
  cloud: Cloud;
  azure: AzureClients;
  graph: GraphApi;
  clock: Clock;
  cwd: string;
  dryRun: boolean;
  /**
   * Retries throttling and server errors with backoff, honouring Retry-After; with
   * `propagation`, also the errors Entra and ARM give right after a create.
   */
  retry<T>(label: string, fn: () => Promise<T>, opts?: { propagation?: boolean }): Promise<T>;
  /** Options of the command that are relevant to steps. */
  options: { secret: boolean; secretEnvFile: string; /** Lifetime of a new client secret (--secret-days). */ secretDays: number; /** --consent: admin consent at the end. */ consent?: boolean };
  /** The signed-in principal (a user, or a service principal in CI). */
  caller: { objectId: string; kind: 'user' | 'servicePrincipal'; name?: string };
  /** Something the user must know about what a step did (shown after the summary). */
  note(text: string): void;
  /** The delegated permissions the tools need (resolved by name) and what to do with ones no tool needs. */
  permissions?: PermissionPlan;
}

export interface Step {
  id: string;
  /** Shown in progress and summaries, e.g. "resource group rg-contoso-dev-ab12". */
  title: string;
  dependsOn: string[];
  /** Which world it belongs to, for display and for the parallelism report. */
  plane: 'arm' | 'entra';
  plan(ctx: StepContext): Promise<Planned>;
  apply(ctx: StepContext, planned: Planned): Promise<void>;
}

export type StepEvent =
  | { type: 'planned'; step: Step; planned: Planned }
  | { type: 'start'; step: Step; planned: Planned }
  | { type: 'done'; step: Step; planned: Planned; ms: number }
  | { type: 'failed'; step: Step; error: Error; ms: number }
  | { type: 'blocked'; step: Step; by: string };
