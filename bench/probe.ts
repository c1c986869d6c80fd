/**
 * Loaded into a measured server with NODE_OPTIONS=--import (bench only, never shipped): counts
 * garbage collections, tracks event-loop delay and reports where the memory is (V8's heap, its
 * malloc'd memory, buffers), written to BENCH_PROBE_FILE every 100 ms.
 * SIGUSR2 resets the event-loop histogram (start of a measured phase).
 */
import { writeFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  let gcs = 0;
  let gcMs = 0;
  let major = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcs++;
      gcMs += entry.duration;
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
    }
  }).observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // Written in place (a rename every 100 ms took milliseconds on a busy disk, inside the process
  // measured); a reader that catches it half-written retries (readProbe).
  const write = () => {
    const m = process.memoryUsage();
    const h = getHeapStatistics();
    const memory = { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, malloced: h.malloced_memory, heapLimit: h.heap_size_limit };
    writeFileSync(file, JSON.stringify({ gcs, major, gcMs, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6, memory }));
  };
  write();
  setInterval(write, 100).unref();
  process.on('SIGUSR2', () => loop.reset());
}
