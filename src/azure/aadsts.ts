/**
 * What Entra's sign-in errors mean for whoever signs in here (a pipeline's service principal or
 * workload identity, or a person), and the fix: the one table behind `explain()` and the README's
 * "AADSTS errors in pipelines" section (a unit test keeps both in step). Texts from Entra's error
 * reference (learn.microsoft.com/entra/identity-platform/reference-error-codes) and the workload
 * identity federation troubleshooting guide.
 */
import type { CredentialKind } from './credential.ts';

export interface AadstsContext {
  tenantId?: string;
  clientId?: string;
  credential?: CredentialKind;
  /** The message Entra sent, for details it carries (the presented subject). */
  message?: string;
}

export interface AadstsEntry {
  /** What Entra is saying, in a few words. */
  meaning: string;
  fix(c: AadstsContext): string;
}

const subjectIn = (m = '') => /subject '([^']+)'/i.exec(m)?.[1] ?? /Assertion Subject: '([^']+)'/i.exec(m)?.[1];

const federated = (c: AadstsContext) =>
  c.credential === 'github-oidc'
    ? `Run \`mcp-obo pipeline github\` again with the branch or environment this job runs for (it makes one federated credential per branch, environment and pull requests, matching the workflow's triggers)${subjectIn(c.message) ? `; this job presented ${subjectIn(c.message)}` : ''}.`
    : `Make the identity's federated credential match the token: issuer, subject${subjectIn(c.message) ? ` (${subjectIn(c.message)})` : ''} and audience are compared case-sensitively.`;

export const AADSTS: Record<string, AadstsEntry> = {
  '7000215': {
    meaning: 'the client secret is wrong',
    fix: (c) => `AZURE_CLIENT_SECRET is not a current secret of app ${c.clientId ?? '(AZURE_CLIENT_ID)'} (or it is the secret's ID, not its value): create a new one and update the pipeline's secret, or switch to workload identity federation with \`mcp-obo pipeline github\`.`,
  },
  '7000222': {
    meaning: 'the client secret has expired',
    fix: () => 'Create a new secret and update the pipeline\'s secret, or switch to workload identity federation (no secret to expire) with `mcp-obo pipeline github`.',
  },
  '700016': {
    meaning: 'no application with this client id in the tenant',
    fix: (c) => `AZURE_CLIENT_ID${c.clientId ? ` (${c.clientId})` : ''} names no app or managed identity in the tenant${c.tenantId ? ` ${c.tenantId}` : ''}: check the repository variable and AZURE_TENANT_ID (a just-created identity can take a minute to be known).`,
  },
  '70021': {
    meaning: 'no federated credential matches the presented token',
    fix: federated,
  },
  '700211': {
    meaning: 'no federated credential has the token\'s issuer',
    fix: () => 'The federated credential\'s issuer must be exactly the token\'s (https://token.actions.githubusercontent.com for GitHub, no trailing slash): rerun `mcp-obo pipeline github`.',
  },
  '700212': {
    meaning: 'no federated credential has the token\'s audience',
    fix: () => 'The token must be requested for, and the federated credential must list, the audience api://AzureADTokenExchange (…USGov / …China in sovereign clouds).',
  },
  '700213': {
    meaning: 'no federated credential has the token\'s subject',
    fix: federated,
  },
  '7002138': {
    meaning: 'no federated credential has the token\'s subject (compared case-sensitively)',
    fix: federated,
  },
  '700024': {
    meaning: 'the client assertion is outside its validity (expired)',
    fix: (c) =>
      c.credential === 'federated-token-file'
        ? 'The token in AZURE_FEDERATED_TOKEN_FILE expired (GitHub\'s live about 5 minutes). In GitHub Actions unset AZURE_FEDERATED_TOKEN_FILE: mcp-obo asks the job\'s runtime for a fresh token each time it needs one (`permissions: id-token: write`).'
        : 'The federated token expired before it was used: check the runner\'s clock, and do not cache the token; mcp-obo requests a fresh one for every sign-in.',
  },
  '50105': {
    meaning: 'the signed-in identity is not assigned to the application',
    fix: () => 'The app requires assignment: add the user (or the group it is in) to the app\'s users group, "MCP OAuth2 OBO Server Users (…)".',
  },
  '65001': {
    meaning: 'consent for the requested permissions is missing',
    fix: () => 'An administrator grants it: `mcp-obo consent` (or the admin-consent URL it prints).',
  },
  '53003': {
    meaning: 'a Conditional Access policy blocked the sign-in',
    fix: (c) =>
      c.credential && c.credential !== 'azure-cli'
        ? 'A Conditional Access policy for workload identities (e.g. by location) blocks this identity: ask an administrator to exclude it from the policy or to allow the runner\'s network; the sign-in logs name the policy.'
        : 'Conditional Access blocks this sign-in (device, location or MFA): sign in from a compliant device or network; the sign-in logs name the policy.',
  },
  '500011': {
    meaning: 'the resource (API) has no service principal in the tenant',
    fix: () => 'Run `mcp-obo provision`, which creates the app\'s service principal.',
  },
  '90002': {
    meaning: 'the tenant does not exist (or is in another cloud)',
    fix: () => 'Check AZURE_TENANT_ID and the deployment\'s cloud (`--cloud`).',
  },
};

export function aadstsCode(text: string): string | undefined {
  return /AADSTS(\d+)/.exec(text)?.[1];
}
