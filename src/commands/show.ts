/** `mcp-obo show` and `mcp-obo list`: flags only; the work is in overview/. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerShow(program: Command, ctx: CliContext): void {
  program
    .command('show')
    .summary('one deployment at a glance: URLs, ids, users group, state of each step, portal links')
    .description(
      'Reads the deployment file and its env file (no sign-in, no Azure call): tenant, subscription, region, the MCP URL, ' +
        'the app and its scope, the users group by name, what each provisioning step recorded, when the local client secret ' +
        'expires, links into the Azure portal, and the command to run next. `mcp-obo provision --dry-run` asks Azure instead.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here or in a folder above)')
    .option('--json', 'print it as JSON')
    .addHelpText('after', '\nExamples:\n  mcp-obo show\n  mcp-obo show --deployment contoso-prd --json')
    .action(async (opts: { deployment?: string; json?: boolean }) => {
      const [{ showDeployment, printShown }, { DeploymentStore, locateDeployment }, { createOutput }] = await Promise.all([import('../overview/show.ts'), import('../state/store.ts'), import('../cli/output.ts')]);
      const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
      const shown = await showDeployment(store.deployment, store.path, Date.now());
      createOutput(ctx, { json: opts.json, stream: false }).result(shown, (s) => printShown(s, ctx, Date.now()));
    });

  program
    .command('list')
    .summary('the deployments here; with --all, every mcp-obo deployment in the subscription and tenant')
    .description(
      'Lists the deployment files in this folder (or the nearest folder above with any) with their state. With --all it ' +
        'also signs in and lists every mcp-obo deployment Azure and Entra know of (resource groups and app registrations ' +
        'marked with mcp-obo-id), marking the ones whose file is here, to find a deployment whose file is lost. ' +
        'Replaces `cleanup --list`.',
    )
    .option('--all', 'also list what is in Azure and Entra (needs a sign-in)')
    .option('--tenant <id>', 'tenant to search with --all (default: the deployments here, env AZURE_TENANT_ID)')
    .option('--subscription <id>', 'subscription to search with --all (default: the deployments here, env AZURE_SUBSCRIPTION_ID)')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', '\nExamples:\n  mcp-obo list\n  mcp-obo list --all\n  mcp-obo list --all --tenant $TENANT --subscription $SUB --json')
    .action(async (opts: { all?: boolean; tenant?: string; subscription?: string; json?: boolean }) => {
      const [{ runList, printListed }, { createOutput }] = await Promise.all([import('../overview/list.ts'), import('../cli/output.ts')]);
      const listed = await runList(opts, ctx);
      createOutput(ctx, { json: opts.json, stream: false }).result(listed, (l) => printListed(l, ctx));
    });
}
