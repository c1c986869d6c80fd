/** `mcp-obo provision`: flags only; the work is in provision/run.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerProvision(program: Command, ctx: CliContext): void {
  program
    .command('provision')
    .summary('create or update every Azure and Entra resource of the deployment (idempotent, parallel, resumable)')
    .description(
      'Creates or updates the resource group, Log Analytics workspace, Container Apps environment, container registry, ' +
        'managed identity (with AcrPull), app registration, service principal, users group, federated credential and a ' +
        'local client secret (.env.{prefix}-{env}.local). Independent steps run in parallel; outputs are saved as each step finishes, so a ' +
        'rerun completes an interrupted run and otherwise changes nothing.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--dry-run', 'print the plan (create / update / unchanged) and change nothing')
    .option('--no-secret', 'do not create a client secret / env file (CI, production-only set-ups)')
    .option('--secret-days <days>', 'lifetime of a new client secret, 1-730 days (tenant credential policies may allow less)', '90')
    .option('--consent', 'grant admin consent for the delegated permissions at the end (needs an administrator)')
    .option('--prune-permissions', 'take off API permissions mcp-obo added for tools no longer enabled, without asking')
    .option('--json', 'NDJSON progress events and a JSON summary on stdout')
    .addHelpText('after', '\nExamples:\n  mcp-obo provision --dry-run\n  mcp-obo provision --consent\n  mcp-obo provision --deployment contoso-prd --no-secret --json\n  mcp-obo provision --secret-days 30\n  mcp-obo provision --prune-permissions')
    .action(async (opts: { deployment?: string; dryRun?: boolean; secret?: boolean; secretDays: string; consent?: boolean; json?: boolean; prunePermissions?: boolean }) => {
      const [{ runProvision }, { parseSecretDays }, { inquirerPrompter, nonInteractive }] = await Promise.all([import('../provision/run.ts'), import('../plan/steps/client-secret.ts'), import('../cli/prompts.ts')]);
      const prompter = ctx.isTTY && !opts.json ? inquirerPrompter({ input: process.stdin, output: ctx.stderr }) : nonInteractive;
      await runProvision({ ...opts, secretDays: parseSecretDays(opts.secretDays), prompter }, ctx);
    });
}
