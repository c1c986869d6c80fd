/** `mcp-obo init`: flags only; the work is in provision/init-command.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .summary('choose tenant, subscription, region, prefix and environment; write the deployment file')
    .description(
      'Writes mcp-obo.{prefix}-{env}.json (no secrets) beside the deployments already here (or in the current folder), with ' +
        'how mcp-obo was installed (so a pipeline installs the same). Values come from the flags, the environment variables, ' +
        'then the deployments here (tenant, subscription, region and prefix they share, and the environment when there is ' +
        'one); on a terminal it asks for the rest, otherwise a missing value is an error.',
    )
    .option('--tenant <id>', 'Entra tenant id (env MCP_OBO_TENANT, AZURE_TENANT_ID)')
    .option('--subscription <id>', 'subscription id (env MCP_OBO_SUBSCRIPTION, AZURE_SUBSCRIPTION_ID)')
    .option('--location <region>', 'Azure region offering Container Apps, e.g. eastus (env MCP_OBO_LOCATION)')
    .option('--prefix <prefix>', '2-8 lower-case letters and digits (env MCP_OBO_PREFIX)')
    .option('--env <env>', 'environment name: dev, stg, prd, ... (env MCP_OBO_ENV)')
    .option('--id <id>', 'deployment id, 4-8 lower-case letters and digits (default: random)')
    .option('--cloud <cloud>', 'AzureCloud, AzureUSGovernment or AzureChinaCloud (env MCP_OBO_CLOUD)')
    .option('-y, --yes', 'never ask; fail if a value is missing')
    .option('--force', 'replace an existing deployment file with other settings (refused when it records resources, unless --abandon)')
    .option('--abandon', 'with --force: start anew even though the old deployment has resources; they stay in Azure (prints how to remove them)')
    .option('--github-workflow', 'also write .github/workflows/mcp-obo-{prefix}-{env}.yml (`mcp-obo pipeline github` also makes its identity)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  mcp-obo init\n  mcp-obo init --yes --tenant $TENANT --subscription $SUB --location eastus --prefix contoso --env dev\n  mcp-obo init --github-workflow')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const [{ runInitCommand }, { azureCatalog }, { inquirerPrompter, nonInteractive }, { resolveCloud }, { execaRun }] = await Promise.all([
        import('../provision/init-command.ts'),
        import('../provision/catalog.ts'),
        import('../cli/prompts.ts'),
        import('../cloud.ts'),
        import('../cli/exec.ts'),
      ]);
      const interactive = ctx.isTTY && !opts.yes && !opts.json;
      const prompter = interactive ? inquirerPrompter({ input: process.stdin, output: ctx.stderr }) : nonInteractive;
      const cloud = resolveCloud(opts.cloud as string | undefined, ctx.env);
      const catalog = interactive ? azureCatalog(ctx, cloud, (opts.tenant as string) ?? ctx.env.AZURE_TENANT_ID) : undefined;
      await runInitCommand(opts, ctx, { prompter, catalog, run: execaRun });
    });
}
