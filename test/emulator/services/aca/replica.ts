// One replica of a revision: the built server (`node bin/mcp-obo serve`) as a child process, its
// captured console output (what the log stream serves), and its readiness probe.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = `${REPO_ROOT}bin/mcp-obo`;
const MAX_LINES = 2000;

export interface LogLine {
  /** Wall-clock ms and a sub-millisecond part (for the stream's 7 and 9 fractional digits). */
  ms: number;
  sub: number;
  text: string;
}

export interface ReplicaSpec {
  name: string;
  container: string;
  env: Record<string, string>;
  cwd: string;
  probePath: string;
  startupTimeoutMs: number;
}

export type StartResult = { ok: true } | { ok: false; reason: string };

/** Every live child, killed if the emulator's process exits without close(). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function probe(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path, timeout: 1000, headers: { 'user-agent': 'kube-probe/1.30' } }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export function distMissing(): string | undefined {
  return existsSync(`${REPO_ROOT}dist/cli/main.js`) ? undefined : `dist/cli/main.js not found in ${REPO_ROOT}: run \`npm run build\` before deploying to the emulated Container Apps environment.`;
}

export class Replica {
  readonly spec: ReplicaSpec;
  readonly createdTime = new Date().toISOString();
  readonly containerId = `containerd://${randomBytes(32).toString('hex')}`;
  state: 'starting' | 'ready' | 'failed' | 'stopped' = 'starting';
  port = 0;
  exitCode: number | null = null;
  detail = '';
  readonly lines: LogLine[] = [];
  readonly #listeners = new Set<(line: LogLine | null) => void>();
  #proc: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  /** Called when a ready replica's process dies. */
  onCrash: (() => void) | undefined;

  constructor(spec: ReplicaSpec) {
    this.spec = spec;
  }

  /** Follow new output; the callback gets null when the replica stops. Returns the unsubscribe function. */
  follow(cb: (line: LogLine | null) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  tail(n: number): LogLine[] {
    return n <= 0 ? [] : this.lines.slice(-n);
  }

  #push(text: string): void {
    const line: LogLine = { ms: Date.now(), sub: Number(process.hrtime.bigint() % 1_000_000n), text };
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    for (const l of this.#listeners) l(line);
  }

  #capture(stream: NodeJS.ReadableStream): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop()!;
      for (const p of parts) this.#push(p.replace(/\r$/, ''));
    });
    stream.on('end', () => {
      if (partial !== '') this.#push(partial);
      partial = '';
    });
  }

  /** Start the process and wait for readiness: ok, or the reason it exited or never became ready. */
  async start(): Promise<StartResult> {
    this.port = await freePort();
    const proc = spawn(process.execPath, [BIN, 'serve', '--host', '0.0.0.0', '--port', String(this.port)], { cwd: this.spec.cwd, env: this.spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#proc = proc;
    live.add(proc);
    this.#capture(proc.stdout!);
    this.#capture(proc.stderr!);
    this.#exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        this.exitCode = code ?? (signal ? 128 : null);
        const wasReady = this.state === 'ready';
        if (this.state !== 'stopped') this.state = 'failed';
        for (const l of this.#listeners) l(null);
        this.#listeners.clear();
        if (wasReady) this.onCrash?.();
        resolve();
      });
    });
    const deadline = Date.now() + this.spec.startupTimeoutMs;
    while (Date.now() < deadline) {
      if (this.state !== 'starting') break;
      if (await probe(this.port, this.spec.probePath)) {
        if (this.state !== 'starting') break;
        this.state = 'ready';
        return { ok: true };
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    if (this.state === 'starting') {
      this.detail = `Readiness probe failed: HTTP GET ${this.spec.probePath} did not answer 200 within ${Math.round(this.spec.startupTimeoutMs / 1000)}s`;
      await this.stop();
      this.state = 'failed';
      return { ok: false, reason: this.detail };
    }
    if (this.state === 'stopped') return { ok: false, reason: 'The replica was stopped before it became ready.' };
    await this.#exited;
    this.detail = `Container '${this.spec.container}' terminated with exit code ${String(this.exitCode)} before becoming ready (CrashLoopBackOff)`;
    return { ok: false, reason: this.detail };
  }

  /** SIGTERM, then SIGKILL after 3 s; resolves once the process is gone. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (this.state !== 'failed') this.state = 'stopped';
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await this.#exited;
    clearTimeout(t);
  }

  lastOutput(n = 15): string {
    return this.tail(n).map((l) => l.text).join('\n');
  }
}
