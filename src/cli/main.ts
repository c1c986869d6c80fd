/**
 * The CLI entry: builds the command tree, runs it, and is the only place that turns an error
 * into a message and an exit code (usage 2, cancelled 130, other failures 1), and, with --json,
 * into the contract's `{ok: false, error}` document on stdout.
 */
import { Command, CommanderError } from 'commander';
import { CancelledError, McpOboError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { processContext, shutdownClaimed, type CliContext } from './context.ts';
import { interruptedMessage } from './interrupt.ts';
import { errorInfo, jsonRequest, STREAMING } from './output.ts';
import { registerServe } from '../commands/serve.ts';
import { registerCleanup } from '../commands/cleanup.ts';
import { registerDeploy } from '../commands/deploy.ts';
import { registerToken } from '../commands/token.ts';
import { registerTest } from '../commands/test.ts';
import { registerInit } from '../commands/init.ts';
import { registerProvision } from '../commands/provision.ts';
import { registerConsent } from '../commands/consent.ts';
import { registerPipeline } from '../commands/pipeline.ts';
import { registerShow } from '../commands/show.ts';
import { registerUsers } from '../commands/users.ts';
import { registerDev } from '../commands/dev.ts';
import { registerTools } from '../commands/tools.ts';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('mcp-obo')
    .description('Put a secure, remote MCP server on Azure: Entra ID sign-in, On-Behalf-Of tokens per downstream API.')
    // -V as git, npm and commander have it: -v is --verbose where a command has one (deploy).
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  registerInit(program, ctx);
  registerProvision(program, ctx);
  registerConsent(program, ctx);
  registerDeploy(program, ctx);
  registerToken(program, ctx);
  registerTest(program, ctx);
  registerShow(program, ctx);
  registerUsers(program, ctx);
  registerServe(program, ctx);
  registerDev(program, ctx);
  registerTools(program, ctx);
  registerCleanup(program, ctx);
  registerPipeline(program, ctx);
  program.addHelpText('after', GETTING_STARTED);
  return program;
}

const GETTING_STARTED = `
Try it first without Azure: mcp-obo dev (sample users and data; add your tools with --tools ./tools).

Getting started (in the folder of your project; each command says the next one when it ends):
  1. mcp-obo init         choose tenant, subscription, region, names; writes mcp-obo.<prefix>-<env>.json
  2. mcp-obo provision    create the Azure and Entra resources (rerun any time: it changes only what differs)
  3. mcp-obo consent      an administrator grants the API permissions for all users, once
  4. mcp-obo deploy       build the server and run it in Azure Container Apps
  5. mcp-obo test         sign in and check the deployed server end to end
To run the server on your machine instead of step 4: mcp-obo serve. Your own tools: mcp-obo tools new <name>, then
mcp-obo tools list. Every command's --help has examples; -V prints the version.
`;

export async function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync(argv);
    return 0;
  } catch (err) {
    const code = report(err, ctx);
    const request = jsonRequest(argv);
    if (request.json && code !== 0 && !(err instanceof McpOboError && err.reported)) {
      // One document (or the closing result event of an NDJSON stream) that says why, for scripts.
      const info = err instanceof CommanderError ? { code: 'usage', message: err.message.replace(/^error: /, ''), advice: 'See `mcp-obo --help`.' } : errorInfo(err);
      ctx.stdout.write(JSON.stringify({ ...(STREAMING.has(request.command ?? '') ? { event: 'result' } : {}), ok: false, error: info }) + '\n');
    }
    return code;
  }
}

function report(err: unknown, ctx: CliContext): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help / version).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof CancelledError) {
    ctx.stderr.write(`${err.message}\n`);
    if (err.suggestion) ctx.stderr.write(`  ${err.suggestion}\n`);
    return err.exitCode;
  }
  if (err instanceof McpOboError) {
    ctx.stderr.write(`error: ${err.message}\n`);
    if (err.suggestion) ctx.stderr.write(`  ${err.suggestion}\n`);
    if (ctx.env.MCP_OBO_DEBUG && err.cause) ctx.stderr.write(`  cause: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  ctx.stderr.write(`error: ${e?.message ?? String(err)}\n`);
  if (ctx.env.MCP_OBO_DEBUG) ctx.stderr.write(`${e?.stack ?? ''}\n`);
  else ctx.stderr.write('  This is unexpected; rerun with MCP_OBO_DEBUG=1 for details and report it.\n');
  return 1;
}

export async function main(): Promise<void> {
  // A reader that went away (`mcp-obo list --all | head -1`) ends the command quietly and
  // successfully, as gh does with a closed pager (cli/cli internal/ghcmd/cmd.go), instead of an
  // EPIPE stack trace: there is nobody left to tell anything to.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  // Ctrl-C: say what is saved and exit 130, unless the command stops gracefully itself (serve, logs --follow).
  process.on('SIGINT', () => {
    if (shutdownClaimed()) return;
    process.stderr.write(`\n${interruptedMessage()}\n`);
    if (jsonRequest(process.argv).json) process.stdout.write(JSON.stringify({ ...(STREAMING.has(jsonRequest(process.argv).command ?? '') ? { event: 'result' } : {}), ok: false, error: { code: 'cancelled', message: 'interrupted (Ctrl-C)', advice: interruptedMessage() } }) + '\n');
    process.exit(130);
  });
  const code = await run(process.argv);
  process.exitCode = code;
  // Commands that finished must not be held open by idle keep-alive sockets or timers.
  if (code !== 0) process.exit(code);
}
