/** Measuring a server process from outside: CPU time, outbound connections, its probe, load with autocannon. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU time the process has used, in ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Established TCP connections from `pid` to `port` on loopback (ss, iproute2). */
export function outboundConnections(pid: number, port: number): number {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${pid},`)).length;
}

export interface Probe {
  gcs: number;
  major: number;
  gcMs: number;
  loopMaxMs: number;
  loopP99Ms: number;
  /** Bytes: process.memoryUsage() and V8's malloc'd memory and heap limit. */
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; malloced: number; heapLimit: number };
}

/** The probe's last report (it rewrites the file every 100 ms: a read can catch it half-written, so retry). */
export function readProbe(file: string): Probe {
  for (let attempt = 0; ; attempt++) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Probe;
    } catch (err) {
      if (attempt > 50) throw err;
      const until = Date.now() + 5;
      while (Date.now() < until); // a few ms, synchronously: callers read between measured phases
    }
  }
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

/** POSTs `body` to `url` from `connections` connections for `seconds`; a list of header sets is used in turn (one per user). */
export async function load(url: string, body: string, headers: Record<string, string> | Record<string, string>[], connections: number, seconds: number): Promise<LoadResult> {
  const sets = Array.isArray(headers) ? headers : [headers];
  let next = 0;
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const requests: autocannon.Request[] | undefined = sets.length > 1 ? [{ setupRequest: (req) => ({ ...req, headers: { ...base, ...sets[next++ % sets.length] } }) }] : undefined;
  const r = await autocannon({ url, method: 'POST', headers: { ...base, ...sets[0] }, body, connections, duration: seconds, ...(requests ? { requests } : {}) });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors + r.timeouts + r.non2xx };
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
