/** `mcp-obo tools …`: list the tools and their permissions, scaffold a new one, enable or disable packs. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';
import { createOutput } from '../cli/output.ts';
import type { ToolsResult } from '../contract/commands.ts';

export function registerTools(program: Command, ctx: CliContext): void {
  const tools = program
    .command('tools')
    .summary('your tools and the packs: list them with their permissions, scaffold one, enable or disable packs')
    .addHelpText('after', '\nExamples:\n  mcp-obo tools list\n  mcp-obo tools new expense_report\n  mcp-obo tools enable mail devops-work\n  mcp-obo tools disable mail');

  tools
    .command('list')
    .description('Lists every tool the deployment offers (packs and your modules), whether it only reads, and its delegated permissions; with a provisioned deployment, whether each permission has admin consent.')
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here, if any)')
    .option('--packs <list>', 'list these packs instead of the deployment\'s')
    .option('--tools <paths...>', 'list these tool modules instead of the deployment\'s')
    .option('--no-consent', 'do not ask Azure which permissions are consented')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  mcp-obo tools list\n  mcp-obo tools list --packs mail,calendar --no-consent --json')
    .action(async (opts: { deployment?: string; packs?: string; tools?: string[]; consent?: boolean; json?: boolean }) => {
      const [{ listTools, renderTools }, { consentStatus }] = await Promise.all([import('../tools/cli/list.ts'), import('../provision/tool-consent.ts')]);
      const r = await listTools(opts, ctx, (store, sources) => consentStatus(store, sources, ctx));
      createOutput(ctx, { json: opts.json, stream: false }).result({ mode: 'list', ...r } satisfies ToolsResult, (x) => ctx.stdout.write(renderTools(x.tools, x.permissions ?? undefined)));
    });

  tools
    .command('new <name>')
    .description('Writes a tool (defineTool) and its test (mcp-obo/testing) into your project, ready for `mcp-obo dev --tools ./tools`.')
    .option('--dir <folder>', 'folder for your tools (default tools)')
    .option('--force', 'replace files that exist')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  mcp-obo tools new expense_report\n  mcp-obo tools new mail_digest --dir src/tools')
    .action(async (name: string, opts: { dir?: string; force?: boolean; json?: boolean }) => {
      const { newTool } = await import('../tools/cli/new.ts');
      const r = await newTool(ctx.cwd, { name, dir: opts.dir, force: opts.force });
      createOutput(ctx, { json: opts.json, stream: false }).result({ mode: 'new', ...r } satisfies ToolsResult, (x) =>
        ctx.stdout.write(`created ${x.files.join(', ')}\nnext:\n${x.next.map((n) => `  ${n}`).join('\n')}\n`),
      );
    });

  for (const [verb, enable] of [['enable', true], ['disable', false]] as const) {
    tools
      .command(`${verb} <packs...>`)
      .description(`${enable ? 'Adds' : 'Removes'} tool packs in the deployment file; \`mcp-obo provision\` then ${enable ? 'adds their permissions' : 'offers to remove the permissions only they needed'}.`)
      .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
      .option('--json', 'print one JSON document')
      .addHelpText('after', `\nExamples:\n  mcp-obo tools ${verb} mail devops-work\n  mcp-obo tools ${verb} calendar --deployment contoso-prd`)
      .action(async (packs: string[], opts: { deployment?: string; json?: boolean }) => {
        const { setPacks } = await import('../tools/cli/packs.ts');
        const r = await setPacks({ deployment: opts.deployment, packs: packs.flatMap((p) => p.split(',')).filter(Boolean), enable }, ctx);
        createOutput(ctx, { json: opts.json, stream: false }).result({ mode: 'packs', ...r } satisfies ToolsResult, (x) =>
          ctx.stdout.write(`packs: ${x.packs.join(', ') || '(none)'}${x.changed ? '' : ' (unchanged)'}\nnext: mcp-obo provision, then mcp-obo consent\n`),
        );
      });
  }
}
