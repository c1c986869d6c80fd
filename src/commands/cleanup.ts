/** `mcp-obo cleanup`: flags only; the work is in cleanup/. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerCleanup(program: Command, ctx: CliContext): void {
  program
    .command('cleanup')
    .summary('remove everything a deployment made, found by its id, and nothing else')
    .description(
      'Finds what belongs to the deployment id (resource groups by tag, the app registration, its service principal and ' +
        'consent grants, the users group, the pipeline\'s identity, workflow and repository variable, and the local files ' +
        'mcp-obo wrote), shows it, asks, and deletes it in a safe order. ' +
        'Look-alikes without mcp-obo\'s marker are listed as not ours and kept.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--id <id>', 'the deployment id, when the deployment file is gone')
    .option('--tenant <id>', 'tenant to search with --id or --list (env AZURE_TENANT_ID)')
    .option('--subscription <id>', 'subscription to search with --id or --list (env AZURE_SUBSCRIPTION_ID)')
    .option('--include-untagged', 'also delete look-alikes that lack the mcp-obo marker')
    .option('--dry-run', 'list what would be deleted and stop')
    .option('-y, --yes', 'do not ask (required without a terminal)')
    .option('--purge', "also remove the app registration and its service principal from the tenant's deleted items, freeing their names at once")
    .option('--no-wait', 'do not wait for the resource group deletion to finish')
    .option('--list', 'the older name of `mcp-obo list --all`')
    .option('--json', 'JSON on stdout')
    .addHelpText('after', '\nExamples:\n  mcp-obo cleanup --dry-run\n  mcp-obo cleanup --yes --purge\n  mcp-obo cleanup --id ab12 --tenant $TENANT --subscription $SUB --yes')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const [{ runCleanup }, { inquirerPrompter, nonInteractive }, { execaRun }] = await Promise.all([import('../cleanup/run.ts'), import('../cli/prompts.ts'), import('../cli/exec.ts')]);
      const prompter = ctx.isTTY && !opts.json ? inquirerPrompter({ input: process.stdin, output: ctx.stderr }) : nonInteractive;
      await runCleanup(opts, ctx, prompter, execaRun);
    });
}
