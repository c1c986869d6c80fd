/**
 * Asks a server for /health every 10 ms from a process of its own, and prints the latencies (JSON)
 * when its stdin closes. Timed in the load generator's process, each figure also held that
 * process's own event-loop lag (it runs the emulator and 500 clients at once), which is not the
 * server's; here the only wait besides the server's is for CPU 0 (run at a higher priority).
 * Usage: node bench/health-probe.ts <url of /health>
 */
const url = process.argv[2];
if (!url) throw new Error('usage: node bench/health-probe.ts <url>');
const latencies: number[] = [];
let done = false;
process.stdin.on('end', () => (done = true)).resume();
while (!done) {
  const t0 = performance.now();
  await fetch(url).then((r) => r.text());
  latencies.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 10));
}
process.stdout.write(JSON.stringify(latencies));
