/** `mcp-obo serve`: flags only; the server loads lazily so `--help` stays fast. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .summary('run the bundled MCP server (Streamable HTTP at /mcp, Entra ID auth, On-Behalf-Of)')
    .description(
      'Runs the MCP server. MCP clients sign in through its authorization facade (/oauth/*: registration, a consent ' +
        'page, then Entra ID as the server\'s app; MCP_OBO_AUTH=entra sends them straight to Entra). It validates Entra ' +
        'ID access tokens for api://{AZURE_CLIENT_ID} and exchanges them On-Behalf-Of the user for Microsoft Graph and ' +
        'Azure DevOps tokens. Configuration comes from the environment and the deployment\'s env file ' +
        '(.env.{prefix}-{env}.local, written by `mcp-obo provision`; outside a deployment folder .env.local when present). ' +
        'The environment wins, with a warning naming each value it overrides; the server\'s own MCP_OBO_CLIENT_ID / ' +
        'MCP_OBO_CLIENT_SECRET / MCP_OBO_TENANT_ID come before the AZURE_* names a deployer exports.',
    )
    .option('--port <port>', 'port to listen on (env PORT, default 8000)')
    .option('--host <host>', 'interface to bind (default 127.0.0.1; use 0.0.0.0 in a container)')
    .option('--deployment <name|file>', "serve with this deployment's settings, .env.{prefix}-{env}.local (default: the only mcp-obo.*.json here)")
    .option('--env-file <path>', 'read variables from this file instead')
    .option('--tools <paths...>', 'your tool modules: files or folders of files that export defineTool tools (env MCP_OBO_TOOLS)')
    .option('--packs <list>', 'tool packs to offer, comma separated (env MCP_OBO_TOOL_PACKS, default profile; `mcp-obo tools list` shows them)')
    .option('--watch', 'reload the tool modules when their files change')
    .option('--json', 'the log (JSON lines) ends with a {"event":"result"} line; startup errors are JSON too')
    .addHelpText(
      'after',
      '\nExamples:\n  mcp-obo serve                       # the only deployment here: its .env.{prefix}-{env}.local, written by `mcp-obo provision`\n' +
        '  mcp-obo serve --deployment contoso-stg\n' +
        '  mcp-obo serve --port 9000 --env-file .env.dev\n  mcp-obo serve --host 0.0.0.0 --port 8000   # as the container image runs it\n' +
        '  mcp-obo serve --tools ./tools --packs profile,mail --watch',
    )
    .action(async (opts: { port?: string; host?: string; envFile?: string; deployment?: string; json?: boolean; tools?: string[]; packs?: string; watch?: boolean }) => {
      const { runServe } = await import('../server/serve.ts');
      await runServe(opts, ctx);
    });
}
