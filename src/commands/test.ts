/** `mcp-obo test`: flags only; the work is in check/run.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';
import { McpOboError } from '../errors.ts';

export function registerTest(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .summary('end-to-end check of a running server, local or deployed')
    .description(
      'Checks /health, the protected-resource metadata, the 401 challenge, that a tampered token is refused, then, as you ' +
        '(Azure CLI login or a device-code sign-in; or MCP_OBO_TOKEN), initialize, tools/list and every tool. Exit code 0 only if all pass.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--url <url>', 'server base URL, e.g. http://localhost:8000 (default: the deployed app)')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', '\nExamples:\n  mcp-obo test --url http://localhost:8000\n  mcp-obo test --json')
    .action(async (opts: { deployment?: string; url?: string; json?: boolean }) => {
      const [{ runTest, printResults }, { execaRun }] = await Promise.all([import('../check/run.ts'), import('../cli/exec.ts')]);
      const results = await runTest(opts, ctx, execaRun);
      printResults(results, ctx, Boolean(opts.json));
      const failed = results.filter((r) => !r.ok);
      if (failed.length) throw new McpOboError(`${failed.length} of ${results.length} checks failed`, { suggestion: failed[0]!.advice });
    });
}
