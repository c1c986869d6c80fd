/** `mcp-obo token`: a user token for the deployment's scope, for curl and manual testing. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerToken(program: Command, ctx: CliContext): void {
  program
    .command('token')
    .summary("print a user access token for the deployment's scope (api://{appId}/access_as_user)")
    .description(
      'Signs in as you through the Azure CLI (pre-authorised on the app), or, on a terminal, with a device code when the ' +
        'Azure CLI is not signed in; without a terminal it never waits for a device code (pass --device-code to force one). ' +
        'MCP_OBO_TOKEN, when set, is used as is. Prints only the token on stdout, so TOKEN=$(mcp-obo token) works; on a ' +
        'terminal only with --raw. The token is never written to disk.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--decode', 'print the claims that matter (audience, scopes, expiry, user) instead of the token')
    .option('--curl', 'print curl commands for initialize, tools/list and tools/call that read the token from $TOKEN')
    .option('--raw', 'print the token even when stdout is a terminal')
    .option('--url <url>', 'server base URL for --curl (default: the deployed app, as Azure reports it, else http://localhost:8000)')
    .option('--device-code', 'sign in with a device code (even without a terminal, or when the Azure CLI is signed in)')
    .option('--json', 'print the result as JSON (the token, --decode claims or --curl commands)')
    .addHelpText('after', '\nExamples:\n  TOKEN=$(mcp-obo token)\n  mcp-obo token --decode\n  mcp-obo token --curl --url http://localhost:8000')
    .action(async (opts: { deployment?: string; decode?: boolean; curl?: boolean; raw?: boolean; url?: string; deviceCode?: boolean; json?: boolean }) => {
      const [{ runToken }, { execaRun }] = await Promise.all([import('../token/command.ts'), import('../cli/exec.ts')]);
      await runToken(opts, ctx, execaRun);
    });
}
