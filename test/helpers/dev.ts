/** Running `mcp-obo dev` as a subprocess and signing in to it as a stock MCP client and a browser would. */
import { schemaValidator } from './contract.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { BIN, ROOT } from './serve.ts';
import { Browser, consentForm, MemoryOAuthProvider } from './browser.ts';

export interface DevInfo {
  mcpUrl: string;
  signInUrl: string;
  users: { name: string; username: string }[];
  tools: string[];
}

export interface DevProcess {
  info: DevInfo;
  proc: ChildProcess;
  /** ms from spawn to the ready line. */
  readyMs: number;
  output(): string;
  stop(): Promise<number | null>;
}

/** A clean environment: no Azure settings or credentials at all. */
export function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH!, HOME: process.env.HOME!, ...extra };
}

export async function startDev(args: string[] = [], opts: { cwd?: string; env?: Record<string, string>; command?: [string, string[]] } = {}): Promise<DevProcess> {
  const started = performance.now();
  const [file, pre] = opts.command ?? [process.execPath, [BIN]];
  // Its own process group: through `npx` the server is a grandchild, and stop() must reach it too (else its pipes keep the test alive).
  const proc = spawn(file, [...pre, 'dev', '--port', '0', '--json', ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? bareEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const info = await new Promise<DevInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not start in 60 s:\n${out}`)), 60_000);
    proc.stdout!.on('data', () => {
      const line = out.split('\n').find((l) => l.startsWith('{"ok":true'));
      if (line) {
        clearTimeout(timer);
        // The ready document is the contract's (templates/schemas/dev.schema.json), for every test that starts dev.
        const doc = JSON.parse(line) as DevInfo;
        const validate = schemaValidator('dev');
        if (validate(doc)) resolve(doc);
        else reject(new Error(`dev --json does not match its schema: ${JSON.stringify(validate.errors)}\n${line}`));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev exited with ${code}:\n${out}`));
    });
  });
  return {
    info,
    proc,
    readyMs: performance.now() - started,
    output: () => out,
    async stop() {
      const exited = proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve([proc.exitCode]) : once(proc, 'exit');
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        // the group is gone already
      }
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** The stock SDK client through the facade: consent page, the local sign-in page (as `user`), back with a code. */
export async function signInToDev(mcpUrl: string, user: string): Promise<Client> {
  const provider = new MemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:53682/callback' });
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  try {
    await new Client({ name: 'dev-e2e', version: '0' }).connect(first);
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  const browser = new Browser();
  const consent = (await browser.follow(provider.authorizationUrl!.href, provider.redirectUrl)).page!;
  const signIn = (await browser.follow(new URL('consent', consent.url).href, provider.redirectUrl, { form: { ...consentForm(consent.body), decision: 'allow' }, origin: new URL(consent.url).origin })).page!;
  if (!signIn.body.includes('Sign in as')) throw new Error(`expected the local sign-in page, got ${signIn.status}: ${signIn.body.slice(0, 300)}`);
  const forms = [...signIn.body.matchAll(/<form method="post" action="([^"]+)"><input type="hidden" name="user" value="([^"]+)"><button type="submit">([^<]+)</g)];
  const chosen = forms.find((f) => f[3] === user);
  if (!chosen) throw new Error(`no sample user ${user} on the sign-in page`);
  const action = new URL(chosen[1]!.replace(/&#(\d+);/g, (_x, n: string) => String.fromCharCode(Number(n))), signIn.url).href;
  const done = await browser.follow(action, provider.redirectUrl, { form: { user: chosen[2]! }, origin: new URL(signIn.url).origin });
  const code = done.callback?.get('code');
  if (!code) throw new Error(`sign-in stopped at ${done.page?.url}: ${done.page?.body.slice(0, 300)}`);
  await first.finishAuth(code);
  const client = new Client({ name: 'dev-e2e', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return client;
}
