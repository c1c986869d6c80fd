/**
 * Output that guides (issue 14): provision on an 80-column pseudo-terminal without wrapped or
 * duplicated lines, past tense and a mark of its own for skipped steps, `Next:` and a portal link,
 * a deployment file left alone by a no-op, consent --yes, the help's getting-started order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { BIN, runCli } from '../helpers/serve.ts';
import { cliEnv, init, REPLICATION, scratch, writes } from '../helpers/cli.ts';
import { trustCa } from '../helpers/trust.ts';
import { render } from '../helpers/screen.ts';
import { PROVISION_STEPS } from '../../src/plan/steps/index.ts';

let emu: Emulator;
let cwd: string;
let env: Record<string, string>;

before(async () => {
  emu = await startEmulator({ propagation: REPLICATION });
  trustCa(emu.caPem);
  cwd = await scratch();
  env = cliEnv(emu, 'user');
  await init(emu, cwd, { id: 'op01' }, env);
});
after(() => emu?.close());

/** The CLI on a pseudo-terminal of `columns` columns (util-linux `script`); the raw bytes it drew. */
export async function onTerminal(args: string[], o: { columns?: number; cwd: string; env: Record<string, string>; answers?: [RegExp, string][] }) {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const command = `stty cols ${o.columns ?? 80} rows 60; exec ${quoted}`;
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { cwd: o.cwd, env: { ...o.env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  let next = 0;
  const answers = o.answers ?? [];
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    raw += d;
    while (next < answers.length && answers[next]![0].test(raw.slice(-600))) proc.stdin.write(answers[next++]![1]);
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 150_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, raw, asked: next };
}

test('provision on an 80-column terminal: no wrapped or duplicated line, past tense, Next: and the portal link', async () => {
  const r = await onTerminal(['provision'], { cwd, env });
  const screen = render(r.raw, 80);
  const shown = screen.rows.join('\n');
  assert.equal(r.code, 0, shown);
  // Only a link may run past the edge (it must stay whole to be followed).
  assert.deepEqual(screen.wrapped.filter((line) => !/^Azure portal: https:\/\//.test(line)), [], shown);
  for (const s of PROVISION_STEPS) {
    const live = screen.rows.filter((row) => new RegExp(`^\\S ${s.title.replace(/[()]/g, '\\$&')}( {2,}|$)`).test(row));
    const summary = screen.rows.filter((row) => new RegExp(`^ {2}\\S ${s.title.replace(/[()]/g, '\\$&')}( {2,}|$)`).test(row));
    assert.equal(live.length, 1, `one live line for ${s.title}:\n${shown}`);
    assert.equal(summary.length, 1, `one summary line for ${s.title}:\n${shown}`);
  }
  assert.match(shown, /^ {2}✔ resource group\s+created$/m, 'past tense after the fact');
  assert.doesNotMatch(shown, /^ {2}. .*\s{2}(create|update)( |$)/m, 'no plan tense in the summary');
  assert.match(shown, /^Next: mcp-obo consent --deployment e2e-dev$/m);
  // The link as printed (the terminal wraps it, whole).
  assert.match(r.raw.replace(/\r/g, ''), /^Azure portal: https:\/\/portal\.azure\.com\/#@[-\w]+\/resource\/subscriptions\/[-\w]+\/resourceGroups\/rg-e2e-dev-op01$/m);
});

test('a no-op provision leaves the deployment file alone (bytes and mtime); a skipped step has its own mark', async () => {
  const file = join(cwd, 'mcp-obo.e2e-dev.json');
  const [bytes, { mtimeMs }] = await Promise.all([readFile(file), stat(file)]);
  const again = await runCli(['provision'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^ {2}✔ resource group\s+unchanged$/m);
  const noSecret = await runCli(['provision', '--no-secret'], env, { cwd, timeoutMs: 120_000 });
  assert.equal(noSecret.code, 0, noSecret.stderr);
  assert.match(noSecret.stdout, /^ {2}○ client secret in the env file \(local use\)\s+skipped \(--no-secret\)$/m);
  assert.doesNotMatch(noSecret.stdout, /✔ client secret/);
  assert.deepEqual(await readFile(file), bytes, 'the same bytes');
  assert.equal((await stat(file)).mtimeMs, mtimeMs, 'not rewritten');
});

test('consent grants tenant-wide: without a terminal it needs --yes (exit 2, nothing granted); on one it asks', async () => {
  emu.requests.length = 0;
  const refused = await runCli(['consent'], env, { cwd });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /--yes is required when not running interactively/);
  assert.deepEqual(writes(emu.requests), []);
  const declined = await onTerminal(['consent'], { cwd, env, answers: [[/on behalf of every user in tenant/, 'n\r']] });
  assert.equal(declined.asked, 1);
  assert.equal(declined.code, 1, declined.raw);
  assert.match(declined.raw, /nothing was granted: you declined/);
  assert.deepEqual(writes(emu.requests), []);
  const granted = await runCli(['consent', '--yes'], env, { cwd, timeoutMs: 60_000 });
  assert.equal(granted.code, 0, granted.stderr);
  assert.match(granted.stderr, /^Next: mcp-obo deploy --deployment e2e-dev$/m);
  assert.match(granted.stderr, /^Azure portal: https:\/\/portal\.azure\.com\/#@[-\w]+\/view\/Microsoft_AAD_RegisteredApps\/ApplicationMenuBlade\/~\/CallAnAPI\/appId\//m);
});

test('Ctrl-C during provision says what was saved and exits 130', async () => {
  const dir = await scratch();
  await init(emu, dir, { id: 'op02' }, env);
  const proc = spawn(process.execPath, [BIN, 'provision'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const started = Date.now();
  while (!/✔ resource group/.test(err) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 20));
  proc.kill('SIGINT');
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.equal(code, 130, err);
  assert.match(err, /interrupted \(Ctrl-C\): saved .*mcp-obo\.e2e-dev\.json.*; rerun the command to continue/);
});

test('--help shows the getting-started order; every command has examples; -V is the version', async () => {
  const help = await runCli(['--help'], env, { cwd });
  assert.equal(help.code, 0);
  const order = ['init', 'provision', 'consent', 'deploy', 'test'].map((c) => help.stdout.indexOf(`. mcp-obo ${c} `));
  assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)), help.stdout);
  const commands = [...help.stdout.matchAll(/^ {2}([a-z]+)(?: \[options\]| \[command\]| <[^>]+>)* {2,}/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  assert.ok(commands.length >= 10, help.stdout);
  for (const c of commands) {
    const h = await runCli([c, '--help'], env, { cwd });
    assert.match(h.stdout, /\nExamples:\n {2}\S*mcp-obo /, `${c} --help has examples`);
  }
  const version = await runCli(['-V'], env, { cwd });
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  assert.match((await runCli(['deploy', '--help'], env, { cwd })).stdout, /-v, --verbose/);
});

test('Ctrl-C stops serve gracefully and exits 130 (SIGTERM, a platform stopping it, exits 0)', async () => {
  const stop = async (signal: NodeJS.Signals, json: boolean) => {
    const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...(json ? ['--json'] : [])], { cwd, env: { ...env, MCP_OBO_DEVOPS_ENDPOINT: `${emu.url}/devops` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const started = Date.now();
    while (!out.includes('"server.listening"') && proc.exitCode === null && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    proc.kill(signal);
    const [code] = (await once(proc, 'exit')) as [number | null];
    return { code, out, err };
  };
  const int = await stop('SIGINT', false);
  assert.equal(int.code, 130, int.err);
  assert.match(int.out, /"server.stopping".*"signal":"SIGINT"/);
  assert.match(int.err, /stopped \(Ctrl-C\)/);
  const json = await stop('SIGINT', true);
  assert.equal(json.code, 130, json.err);
  assert.match(json.out, /\{"event":"result","ok":true,"signal":"SIGINT"\}\n$/);
  const term = await stop('SIGTERM', false);
  assert.equal(term.code, 0, term.err);
});
