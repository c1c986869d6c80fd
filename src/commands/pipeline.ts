/** `mcp-obo pipeline github`: flags only; the work is in pipeline/. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerPipeline(program: Command, ctx: CliContext): void {
  const pipeline = program.command('pipeline').summary('set up CI/CD that deploys the server (GitHub Actions)').description('Sets up a CI/CD pipeline that deploys this deployment with no stored secret.')
    .addHelpText('after', '\nExamples:\n  mcp-obo pipeline github --dry-run\n  mcp-obo pipeline github --environment production');
  pipeline
    .command('github')
    .summary('GitHub Actions: an identity with federated credentials, its least roles, the workflow and its repository variable')
    .description(
      "Creates the pipeline's identity (a user-assigned managed identity in the deployment's resource group, or an app " +
        'registration with --app), federated credentials for exactly the subjects the workflow\'s triggers produce (branches, ' +
        'or an environment, and pull requests), Contributor on the resource group (and with --can-provision what `provision` ' +
        'needs), writes .github/workflows/mcp-obo-{prefix}-{env}.yml and sets the repository variable with gh (or prints it). ' +
        'Safe to rerun; --dry-run shows the plan.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--repo <owner/name>', 'the GitHub repository (default: the origin remote)')
    .option('--branch <name>', 'deploy on pushes to this branch (repeatable; default: the repository\'s default branch)', collect)
    .option('--environment <name>', 'run the deploy job in this GitHub environment (its protection rules then decide)')
    .option('--pull-request', 'also let pull requests from branches of the repository sign in (they check the deployed server)')
    .option('--app', 'an app registration instead of a managed identity')
    .option('--can-provision', 'also allow `mcp-obo provision` (RBAC administration on the group, Graph permissions, ownership)')
    .option('--install <spec>', 'how the pipeline installs mcp-obo: mcp-obo@<version>, <file>.tgz or <git url>#<commit> (default: as init recorded)')
    .option('--force', 'replace a workflow file mcp-obo did not write')
    .option('--dry-run', 'show what would be created or changed, and change nothing')
    .option('--json', 'NDJSON step events and a JSON result on stdout')
    .addHelpText('after', '\nExamples:\n  mcp-obo pipeline github --dry-run\n  mcp-obo pipeline github\n  mcp-obo pipeline github --environment production --pull-request\n  mcp-obo pipeline github --app --can-provision --branch main --branch release')
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      const [{ runPipelineGithub }, { execaRun }] = await Promise.all([import('../pipeline/run.ts'), import('../cli/exec.ts')]);
      await runPipelineGithub(opts, ctx, execaRun);
    });
}
