/**
 * Why the server could not listen, in terms a user can act on: the port is taken (by which kind of
 * process, and how to find it), or needs privileges. Another `mcp-obo serve` is recognised by its
 * /health answer.
 */
import { McpOboError } from '../errors.ts';
import { HEALTH_BODY } from './health.ts';

export async function explainListenError(err: unknown, host: string, port: number, command: 'serve' | 'dev' = 'serve'): Promise<unknown> {
  const why = command === 'serve' ? 'any port works for a local sign-in: Entra ignores the port of a localhost callback' : 'and that URL in your MCP client';
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') {
    const shown = host.includes(':') ? `[${host}]` : host;
    const ours = await fetch(`http://${shown}:${port}/health`, { signal: AbortSignal.timeout(2000) })
      .then(async (r) => r.status === 200 && (await r.text()) === HEALTH_BODY)
      .catch(() => false);
    return new McpOboError(`port ${port} on ${host} is already in use${ours ? ': another mcp-obo serve already answers there' : ''}`, {
      suggestion:
        `${ours ? 'Stop that server (Ctrl-C where it runs), or' : 'Find the process that holds it (`lsof -nP -iTCP:' + port + ' -sTCP:LISTEN`, or `ss -ltnp "sport = :' + port + '"`; on Windows `netstat -ano | findstr :' + port + '`) and stop it, or'} ` +
        `serve on another port: \`mcp-obo ${command} --port ${port + 1}\` (${why}).`,
      cause: err,
    });
  }
  if (code === 'EACCES' && port < 1024) {
    return new McpOboError(`port ${port} needs administrator privileges on this system`, { suggestion: `Use a port from 1024 up: \`mcp-obo ${command} --port 8000\`.`, cause: err });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new McpOboError(`${host} is not an address of this machine`, { suggestion: 'Use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).', cause: err });
  }
  return err;
}
