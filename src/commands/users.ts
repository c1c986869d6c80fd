/** `mcp-obo users`: flags only; the work is in users/. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

const WHO = '<who...>';
const WHO_HELP = 'users by principal name (ada@contoso.com) or object id; groups by exact name or object id';

export function registerUsers(program: Command, ctx: CliContext): void {
  const users = program
    .command('users')
    .summary('who may sign in to the server: add, remove or list members of the users group')
    .description(
      'The server\'s app requires assignment: only members of the deployment\'s users group (assigned to the app by ' +
        '`mcp-obo provision`) get tokens for it; others get AADSTS50105. Entra counts only the direct members of an assigned ' +
        'group, so `users add <group>` assigns the group to the app itself rather than nesting it. In a tenant without ' +
        'Entra ID P1/P2 (no group assignment), users are assigned to the app directly.',
    )
    .addHelpText('after', '\nExamples:\n  mcp-obo users list\n  mcp-obo users add ada@contoso.com\n  mcp-obo users remove ada@contoso.com --deployment contoso-prd');
  const common = (c: Command) =>
    c.option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)').option('--json', 'print the result as JSON');

  common(users.command('list').summary('the users group (by its name), its members, and who else is assigned to the app'))
    .addHelpText('after', '\nExamples:\n  mcp-obo users list\n  mcp-obo users list --deployment contoso-prd --json')
    .action(async (opts: { deployment?: string; json?: boolean }) => {
      const { runUsersList } = await import('../users/run.ts');
      await runUsersList(opts, ctx);
    });

  common(users.command('add').summary('let users or groups sign in to the server').argument(WHO, WHO_HELP))
    .addHelpText('after', '\nExamples:\n  mcp-obo users add ada@contoso.com grace@contoso.com\n  mcp-obo users add "MCP pilot users" --deployment contoso-prd')
    .action(async (who: string[], opts: { deployment?: string; json?: boolean }) => {
      const { runUsersChange } = await import('../users/run.ts');
      await runUsersChange('add', who, opts, ctx);
    });

  common(users.command('remove').summary('take users or groups out again').argument(WHO, WHO_HELP))
    .addHelpText('after', '\nExamples:\n  mcp-obo users remove ada@contoso.com')
    .action(async (who: string[], opts: { deployment?: string; json?: boolean }) => {
      const { runUsersChange } = await import('../users/run.ts');
      await runUsersChange('remove', who, opts, ctx);
    });
}
