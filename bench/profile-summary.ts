/**
 * Prints where a CPU profile spent its time: the functions with the most self time, and the
 * packages (or our own modules) they belong to, and the longest synchronous tasks (runs of samples
 * without an idle one between them: what stalls the event loop, with the calls that took the time).
 * Usage: node bench/profile-summary.ts <file.cpuprofile> [top]
 * Make a profile with: node --cpu-prof --cpu-prof-dir=/tmp/prof bin/mcp-obo serve (then load it, then stop it).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number };
/**
 * In the bundled CLI (dist/bundle/*.js), the module a line belongs to, from the `// node_modules/...` or
 * `// dist/...` heading esbuild writes above each module's code; any other URL as it is.
 */
const headings = new Map<string, string[]>();
function moduleOf(url: string, line: number): string {
  if (!url.includes('/dist/bundle/')) return url;
  let owner = headings.get(url);
  if (!owner) {
    owner = [];
    let current = url;
    try {
      readFileSync(fileURLToPath(url), 'utf8').split('\n').forEach((text, i) => {
        const m = /^\/\/ ((?:node_modules|dist)\/\S+)$/.exec(text);
        if (m) current = `/${m[1]}`;
        owner![i] = current;
      });
    } catch {
      // The bundle changed or is gone: the chunk's own name will do.
    }
    headings.set(url, owner);
  }
  return owner[line] ?? url;
}

const hits = new Map<number, number>();
profile.samples.forEach((id, i) => hits.set(id, (hits.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...hits.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const n of profile.nodes) {
  const us = hits.get(n.id) ?? 0;
  if (!us) continue;
  const url = moduleOf(n.callFrame.url, n.callFrame.lineNumber);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/dist/') ? `mcp-obo ${url.split('/dist/')[1]}` : url.startsWith('node:') ? url : n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : url || '(native)');
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
const show = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};
console.log(`${(total / 1000).toFixed(0)} ms sampled`);
show('by package', byPackage, 15);
show('by function (self time)', byFunction, Number(topArg ?? 25));

// Longest synchronous tasks: consecutive samples that are not idle (GC and native work included).
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const name = (id: number) => {
  const f = byId.get(id)!.callFrame;
  return `${f.functionName || '(anonymous)'} ${moduleOf(f.url, f.lineNumber).split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
};
const tasks: { startMs: number; ms: number; inclusive: Map<string, number> }[] = [];
let t = 0;
let current: (typeof tasks)[number] | undefined;
profile.samples.forEach((id, i) => {
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  t += (profile.timeDeltas[i] ?? 0) / 1000;
  if (idle.has(id)) return void (current = undefined);
  if (!current) tasks.push((current = { startMs: t, ms: 0, inclusive: new Map() }));
  current.ms += dt;
  // Every frame on the stack once (inclusive time), so the task is named by what it was doing.
  const seen = new Set<string>();
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    const k = name(n);
    if (seen.has(k) || k.startsWith('(root)')) continue;
    seen.add(k);
    current.inclusive.set(k, (current.inclusive.get(k) ?? 0) + dt);
  }
});
console.log('\nlongest synchronous tasks (ms from the profile start: length; the frames most of it ran in)');
for (const task of [...tasks].sort((a, b) => b.ms - a.ms).slice(0, Number(process.env.TASKS ?? 8))) {
  const frames = [...task.inclusive].filter(([, ms]) => ms >= task.ms * 0.2).sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log(`${task.startMs.toFixed(0).padStart(8)} ms: ${task.ms.toFixed(1)} ms`);
  for (const [k, ms] of frames) console.log(`      ${ms.toFixed(1).padStart(7)} ms  ${k}`);
}
