/** `mcp-obo test`: flags only; the work is in check/run.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerTest(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .summary('end-to-end check of a running server, local or deployed')
    .description(
      'Checks /health, the protected-resource metadata, the 401 challenge, that a forged and a tampered token are refused, ' +
        "the authorization facade's endpoints, then, as you (MCP_OBO_TOKEN, the Azure CLI login, or on a terminal a " +
        'device-code sign-in), initialize, tools/list and every tool. Exit code 0 only if all pass; --json names each check by a stable id.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--url <url>', 'server base URL, e.g. http://localhost:8000 (default: the deployed app)')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', '\nExamples:\n  mcp-obo test --url http://localhost:8000\n  mcp-obo test --json')
    .action(async (opts: { deployment?: string; url?: string; json?: boolean }) => {
      const [{ runTest, testResult, renderResults }, { execaRun }, { createOutput }] = await Promise.all([import('../check/run.ts'), import('../cli/exec.ts'), import('../cli/output.ts')]);
      const { url, results } = await runTest(opts, ctx, execaRun);
      const { result, error } = testResult(url, results);
      const out = createOutput(ctx, { json: opts.json, stream: false });
      if (error) throw out.failed(result, error, (r) => renderResults(r, ctx));
      out.result(result, (r) => renderResults(r, ctx));
    });
}
