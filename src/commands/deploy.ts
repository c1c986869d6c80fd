/** `mcp-obo deploy` and `mcp-obo logs`: flags only; the work is in deploy/. */
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';

export function registerDeploy(program: Command, ctx: CliContext): void {
  program
    .command('deploy')
    .summary('build the server image (no local Docker needed) and roll out a new revision')
    .description(
      'Builds the image in the deployment\'s registry with ACR Tasks (or with local Docker, or takes --image), tags it ' +
        'immutably, creates or updates the Container App (managed identity for the registry and for Entra, external ingress ' +
        'on 8000, health probes; the only secret is the authorization facade\'s key), and waits until the new revision answers ' +
        '/health at its public URL.',
    )
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--build <where>', 'remote (ACR Tasks, default) or local (your Docker engine)')
    .option('--image <ref>', 'deploy this existing image and build nothing')
    .option('--context <dir>', 'build this folder (with its Dockerfile) instead of the bundled server')
    .option('--base-image <ref@sha256:digest>', "build FROM this image (its NODE_IMAGE argument), e.g. a copy imported into your registry; pinned by digest")
    .option('--cpu <cores>', 'CPU per replica (default 0.25)')
    .option('--memory <size>', 'memory per replica, matching the CPU (default 0.5Gi)')
    .option('--min-replicas <n>', 'minimum replicas; 0 scales to zero when idle (default 0)')
    .option('--max-replicas <n>', 'maximum replicas (default 10)')
    .option('--log-level <level>', 'server LOG_LEVEL (default info)')
    .option('--domain <host>', 'serve the MCP URL at https://<host>/mcp (a domain verified in the tenant); remembered')
    .option('--dns-zone <[rg/]zone>', 'create the DNS records in this Azure DNS zone instead of printing them')
    .option('--auth <mode>', 'facade (default): clients sign in through the server\'s own authorization facade; entra: straight at Entra ID')
    .option('--rotate-facade-key', 'make a new facade sealing key; the previous one keeps existing sessions working')
    .option('--timeout <duration>', 'how long to wait for the revision, the certificate and AcrPull to apply, e.g. 90s, 20m (default 15m)')
    .option('--vscode', 'add the server to .vscode/mcp.json without asking')
    .option('--force', 'build and roll out even when the running image was built from this context')
    .option('--dry-run', 'print what would be built and rolled out, and change nothing')
    .option('-v, --verbose', 'show the build log as it runs (otherwise: a progress line, and its end on failure)')
    .option('--json', 'JSON status lines and a JSON summary on stdout')
    .addHelpText('after', '\nExamples:\n  mcp-obo deploy --vscode\n  mcp-obo deploy --dry-run\n  mcp-obo deploy --force --verbose\n  mcp-obo deploy --build local\n  mcp-obo deploy --image myacr.azurecr.io/mcp-obo:1.2.3 --min-replicas 1\n  mcp-obo deploy --domain mcp.contoso.com --dns-zone contoso.com')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const [{ runDeploy }, { inquirerPrompter, nonInteractive }, { execaExec }] = await Promise.all([import('../deploy/run.ts'), import('../cli/prompts.ts'), import('../cli/exec.ts')]);
      const prompter = ctx.isTTY && !opts.json ? inquirerPrompter({ input: process.stdin, output: ctx.stderr }) : nonInteractive;
      await runDeploy(opts, ctx, { prompter, exec: execaExec });
    });

  program
    .command('logs')
    .summary("stream the running app's console logs")
    .option('--deployment <name|file>', 'which deployment (default: the only mcp-obo.*.json here)')
    .option('--revision <name>', 'this revision (default: the one that serves the traffic)')
    .option('--tail <n>', 'lines of history to show (default 50)')
    .option('-f, --follow', 'keep streaming until Ctrl-C')
    .option('--json', 'NDJSON: one {"event":"log"} line per log line, then the result')
    .addHelpText('after', '\nExamples:\n  mcp-obo logs\n  mcp-obo logs --follow --tail 200')
    .action(async (opts: { deployment?: string; tail?: string; follow?: boolean; json?: boolean; revision?: string }) => {
      const { runLogs } = await import('../deploy/logs-command.ts');
      await runLogs(opts, ctx);
    });
}
