/** `mcp-obo consent`: flags only; the work is in provision/consent-command.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerConsent(program: Command, ctx: CliContext): void {
  program
    .command('consent')
    .summary('grant tenant-wide admin consent for the delegated permissions, then verify it')
    .description(
      "Does what the portal's \"Grant admin consent\" button does: creates the Microsoft Graph / Azure DevOps service " +
        'principals when missing and grants the server exactly User.Read, openid, profile, email and vso.profile for all ' +
        'users. Without admin rights it prints the admin-consent URL to hand to an administrator.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--verify', 'only check and print each permission as granted or missing')
    .option('-y, --yes', 'grant without asking (it is tenant-wide: on a terminal you are asked; without one --yes is required)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  mcp-obo consent\n  mcp-obo consent --yes --deployment contoso-prd\n  mcp-obo consent --verify --json')
    .action(async (opts: { deployment?: string; verify?: boolean; json?: boolean; yes?: boolean }) => {
      const [{ runConsent }, { inquirerPrompter, nonInteractive }] = await Promise.all([import('../provision/consent-command.ts'), import('../cli/prompts.ts')]);
      const prompter = ctx.isTTY && !opts.json ? inquirerPrompter({ input: process.stdin, output: ctx.stderr }) : nonInteractive;
      await runConsent(opts, ctx, { prompter });
    });
}
