/**
 * Running a step of a generated GitHub workflow the way a hosted runner does: its `run:` script in
 * `bash --noprofile --norc -eo pipefail`, in the job's working directory, with the job's env (repository
 * variables resolved from the fake gh's state), RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and the
 * runtime's OIDC variables; `mcp-obo` on PATH is this checkout's built CLI.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { BIN } from './serve.ts';

interface Step {
  name?: string;
  run?: string;
  'working-directory'?: string;
}
interface Job {
  env?: Record<string, string>;
  defaults?: { run?: { 'working-directory'?: string } };
  steps: Step[];
}

export async function runWorkflowStep(yml: string, job: string, step: string, o: { root: string; env: Record<string, string>; vars: Record<string, string> }) {
  const j = (parse(yml) as { jobs: Record<string, Job> }).jobs[job];
  if (!j) throw new Error(`no job ${job}`);
  const s = j.steps.find((x) => x.name === step);
  if (!s?.run) throw new Error(`no run step "${step}" in job ${job}`);
  const temp = await mkdtemp(join(tmpdir(), 'mcp-obo-runner-'));
  const shim = join(temp, 'bin');
  await writeFile(join(temp, 'script.sh'), s.run);
  await (await import('node:fs/promises')).mkdir(shim);
  await writeFile(join(shim, 'mcp-obo'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  await chmod(join(shim, 'mcp-obo'), 0o755);
  const jobEnv = Object.fromEntries(Object.entries(j.env ?? {}).map(([k, v]) => [k, v.replace(/\$\{\{ vars\.(\w+) \}\}/g, (_, n: string) => o.vars[n] ?? '')]));
  const files = { GITHUB_OUTPUT: join(temp, 'output'), GITHUB_STEP_SUMMARY: join(temp, 'summary'), RUNNER_TEMP: temp };
  for (const f of [files.GITHUB_OUTPUT, files.GITHUB_STEP_SUMMARY]) await writeFile(f, '');
  const cwd = join(o.root, s['working-directory'] ?? j.defaults?.run?.['working-directory'] ?? '.');
  const env = { ...o.env, ...jobEnv, ...files, PATH: `${shim}:${dirname(process.execPath)}:${o.env.PATH ?? process.env.PATH}` };
  const proc = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(temp, 'script.sh')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(proc, 'exit') as Promise<[number | null]>;
  return {
    proc,
    async done() {
      const [code] = await exited;
      const outputs = Object.fromEntries((await readFile(files.GITHUB_OUTPUT, 'utf8')).split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      return { code, stdout, stderr, outputs, summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8') };
    },
  };
}
