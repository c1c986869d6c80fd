/** Small measurement helpers for the benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function timeCommand(args: string[], env: NodeJS.ProcessEnv, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, args, { env, stdio: 'ignore' });
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
    });
    times.push(performance.now() - started);
  }
  return times;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Starts a server process and resolves with its URL once it logs server.listening. */
export function startProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /"event":"server.listening"[^\n]*"url":"([^"]+)"/.exec(out);
      if (m) resolve({ url: m[1]!.replace('0.0.0.0', '127.0.0.1'), proc });
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** RSS split into anonymous memory (heap, malloc) and file-backed pages (the node binary, shared libraries). */
export function rssParts(pid: number): { anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
}

/** Runs `work` from `concurrency` workers for `ms`; returns completed calls per second. */
export async function throughput(work: () => Promise<void>, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await work();
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

/** Runs `items` through `fn` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
