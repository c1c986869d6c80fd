/**
 * Prints what a V8 heap snapshot holds: self size by constructor (or string / code / array kind),
 * and the retained size of every instance of the constructors named, i.e. the memory that would
 * be freed if that object went away (what a cache really costs, its keys and values included).
 * Usage: node --max-old-space-size=4096 bench/heap-summary.ts <file.heapsnapshot> [Constructor,...] [top]
 * Make a snapshot with `node --heapsnapshot-signal=SIGUSR1 --diagnostic-dir=/tmp/heap bin/mcp-obo serve`
 * and `kill -USR1 <pid>`, or with `node bench/heap.ts` (users through a server, then a snapshot).
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapSummary {
  totalBytes: number;
  byName: { name: string; count: number; bytes: number }[];
  retained: { name: string; bytes: number; objects: number }[];
}

export function summarise(file: string, constructors: string[]): HeapSummary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const N = nf.length;
  const E = ef.length;
  const [TYPE, NAME, SIZE, EDGES] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number];
  const [ETYPE, ETO] = ['type', 'to_node'].map((f) => ef.indexOf(f)) as [number, number];
  const nodeTypes = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const count = s.nodes.length / N;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) firstEdge[i + 1] = firstEdge[i]! + s.nodes[i * N + EDGES]! * E;

  const label = (i: number): string => {
    const type = nodeTypes[s.nodes[i * N + TYPE]!]!;
    if (type === 'object' || type === 'closure' || type === 'native') return `${type === 'object' ? '' : `(${type}) `}${s.strings[s.nodes[i * N + NAME]!]}`;
    return `(${type})`;
  };
  const byName = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  for (let i = 0; i < count; i++) {
    const bytes = s.nodes[i * N + SIZE]!;
    totalBytes += bytes;
    const e = byName.get(label(i)) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += bytes;
    byName.set(label(i), e);
  }

  // Everything reachable from the root (node 0) without passing `skip`: strong edges only.
  const reach = (skip: number): Uint8Array => {
    const seen = new Uint8Array(count);
    const stack = [0];
    seen[0] = 1;
    if (skip >= 0) seen[skip] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += E) {
        const t = s.edges[e + ETYPE]!;
        if (t === weak || t === shortcut) continue;
        const to = s.edges[e + ETO]! / N;
        if (!seen[to]) {
          seen[to] = 1;
          stack.push(to);
        }
      }
    }
    if (skip >= 0) seen[skip] = 0;
    return seen;
  };
  const all = reach(-1);
  const retained: HeapSummary['retained'] = [];
  const wanted = new Set(constructors);
  for (let i = 0; i < count; i++) {
    if (!all[i] || !wanted.has(s.strings[s.nodes[i * N + NAME]!]!) || nodeTypes[s.nodes[i * N + TYPE]!] !== 'object') continue;
    const without = reach(i);
    let bytes = 0;
    let objects = 0;
    for (let j = 0; j < count; j++) {
      if (all[j] && !without[j]) {
        bytes += s.nodes[j * N + SIZE]!;
        objects++;
      }
    }
    retained.push({ name: label(i), bytes, objects });
  }
  return {
    totalBytes,
    byName: [...byName].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.bytes - a.bytes),
    retained: retained.sort((a, b) => b.bytes - a.bytes),
  };
}

if (import.meta.main) {
  const [file, names, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: node bench/heap-summary.ts <file.heapsnapshot> [Constructor,...] [top]');
  const r = summarise(file, names ? names.split(',') : ['LRUCache', 'OboTokenCache', 'KeyStore', 'KeyedLimiter']);
  const mib = (b: number) => (b / 1024 / 1024).toFixed(2).padStart(8);
  console.log(`${mib(r.totalBytes)} MiB in the snapshot\n\nself size by constructor`);
  for (const e of r.byName.slice(0, Number(top ?? 25))) console.log(`${mib(e.bytes)} MiB  ${String(e.count).padStart(8)}  ${e.name}`);
  console.log('\nretained by instance (>= 64 KiB)');
  for (const e of r.retained.filter((x) => x.bytes >= 65_536)) console.log(`${mib(e.bytes)} MiB  ${String(e.objects).padStart(8)} objects  ${e.name}`);
}
