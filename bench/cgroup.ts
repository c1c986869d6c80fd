/**
 * A memory-limited cgroup (v1 memory controller) for a measured server, as a container's memory
 * limit: Node sizes V8's heap from the limit it finds there, and the kernel's OOM killer enforces it.
 * Returns undefined where cgroups cannot be created (not root, or cgroup v2 only).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

const ROOT = '/sys/fs/cgroup/memory';

export interface MemoryCgroup {
  /** Prefix for a command: the shell moves itself into the cgroup, then execs the command. */
  wrap(command: string[]): string[];
  maxUsageMiB(): number;
  /** How often the limit was hit. */
  failures(): number;
  remove(): void;
}

export function memoryCgroup(name: string, limitMiB: number): MemoryCgroup | undefined {
  const dir = `${ROOT}/${name}`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/memory.limit_in_bytes`, String(limitMiB * 1024 * 1024));
  } catch {
    return undefined;
  }
  return {
    wrap: (command) => ['sh', '-c', `echo $$ > ${dir}/cgroup.procs && exec "$@"`, 'sh', ...command],
    maxUsageMiB: () => Number(readFileSync(`${dir}/memory.max_usage_in_bytes`, 'utf8')) / 1024 / 1024,
    failures: () => Number(readFileSync(`${dir}/memory.failcnt`, 'utf8')),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still in use by a process that has not exited yet; the kernel keeps it until then
      }
    },
  };
}
