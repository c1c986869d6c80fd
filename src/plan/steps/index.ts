/** Every step of `mcp-obo provision`, in display order; the runner orders them by dependencies. */
import type { Step } from '../types.ts';
import { providersStep } from './providers.ts';
import { resourceGroupStep } from './resource-group.ts';
import { workspaceStep } from './workspace.ts';
import { environmentStep } from './environment.ts';
import { registryStep } from './registry.ts';
import { identityStep } from './identity.ts';
import { acrPullStep } from './acr-pull.ts';
import { applicationStep } from './application.ts';
import { servicePrincipalStep } from './service-principal.ts';
import { groupMemberStep, groupStep } from './group.ts';
import { groupAssignmentStep } from './assignment.ts';
import { federatedCredentialStep } from './federated-credential.ts';
import { clientSecretStep } from './client-secret.ts';
import { appCallbacksStep } from './app-callbacks.ts';
import { facadeKeyStep } from './facade-key.ts';

export const PROVISION_STEPS: Step[] = [
  providersStep,
  resourceGroupStep,
  workspaceStep,
  registryStep,
  identityStep,
  environmentStep,
  acrPullStep,
  applicationStep,
  servicePrincipalStep,
  groupStep,
  groupAssignmentStep,
  groupMemberStep,
  federatedCredentialStep,
  appCallbacksStep,
  clientSecretStep,
  facadeKeyStep,
];
