/** `mcp-obo dev`: flags only; the work is in dev/run.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerDev(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .summary('try and build tools without Azure: the server with a local sign-in and sample Microsoft 365 and DevOps data')
    .description(
      'Runs the MCP server on this machine with an embedded local identity platform (Entra-compatible sign-in page, ' +
        'token and On-Behalf-Of grants) and a sample tenant answering as Microsoft Graph and Azure DevOps (profiles, mail, ' +
        'calendar, files, SharePoint lists, work items, pipelines). Every pack is on unless --packs says otherwise. ' +
        'Nothing is real Microsoft data, and no Azure account is needed.',
    )
    .option('--port <port>', 'port of the MCP server (default 8000)')
    .option('--tools <paths...>', 'your tool modules: files or folders of files that export defineTool tools')
    .option('--packs <list>', 'tool packs, comma separated (default: all)')
    .option('--watch', 'reload the tool modules when their files change')
    .option('--without-consent <permissions...>', 'leave permissions without consent, e.g. graph/Mail.Read, to see what a tool says then')
    .option('--json', 'print the URLs, users and tools as one JSON line when ready')
    .addHelpText('after', '\nExamples:\n  mcp-obo dev\n  mcp-obo dev --tools ./tools --watch\n  mcp-obo dev --packs mail,devops-work --without-consent graph/Mail.Send')
    .action(async (opts: { port?: string; tools?: string[]; packs?: string; watch?: boolean; withoutConsent?: string[]; json?: boolean }) => {
      const { runDev } = await import('../dev/run.ts');
      await runDev(opts, ctx);
    });
}
