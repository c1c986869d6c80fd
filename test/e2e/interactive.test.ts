/**
 * init and deploy on a real terminal (a pseudo-terminal from util-linux `script`): the questions
 * appear, choices come from the account, and the answers end up in the deployment file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { BIN } from '../helpers/serve.ts';
import { cliEnv, scratch } from '../helpers/cli.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.close());

/** Runs the CLI in a pseudo-terminal and answers each question once its text appears. */
async function onTerminal(args: string[], env: Record<string, string>, cwd: string, answers: [RegExp, string][]) {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let next = 0;
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const plain = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''); // eslint-disable-line no-control-regex -- ANSI from the prompts
    // Each question is answered once, when it is the last thing on the screen.
    while (next < answers.length && answers[next]![0].test(plain.slice(-400))) {
      proc.stdin.write(answers[next]![1]);
      next++;
    }
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, out, answered: next };
}

test('init on a terminal: subscription and region chosen from the account, prefix and env typed', async () => {
  const cwd = await scratch();
  const r = await onTerminal(['init', '--id', 'tt01'], cliEnv(emu, 'deployer'), cwd, [
    [/Subscription/, '\r'],
    [/Region \(regions offering Container Apps\)/, '\r'],
    [/Prefix/, 'acme\r'],
    [/Environment/, 'stg\r'],
  ]);
  assert.equal(r.code, 0, r.out.slice(-800));
  assert.equal(r.answered, 4);
  const d = JSON.parse(await readFile(join(cwd, 'mcp-obo.acme-stg.json'), 'utf8')) as { subscriptionId: string; tenantId: string; location: string; id: string };
  assert.equal(d.subscriptionId, emu.subscriptionId);
  assert.equal(d.tenantId, emu.tenantId);
  assert.equal(d.id, 'tt01');
  assert.ok(d.location.length > 2);
});

test('Ctrl-C at a question cancels with exit code 130 and writes nothing', async () => {
  const cwd = await scratch();
  const r = await onTerminal(['init', '--tenant', emu.tenantId, '--subscription', emu.subscriptionId, '--location', 'eastus'], cliEnv(emu, 'deployer'), cwd, [[/Prefix/, '\x03']]);
  assert.equal(r.code, 130, r.out.slice(-400));
  assert.match(r.out, /cancelled/);
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual(await readdir(cwd), []);
});

test('deploy on a terminal asks before adding the server to .vscode/mcp.json', async () => {
  const cwd = await scratch();
  const env = cliEnv(emu, 'user');
  const { init } = await import('../helpers/cli.ts');
  const { runCli } = await import('../helpers/serve.ts');
  await init(emu, cwd, { id: 'tt02' }, env);
  assert.equal((await runCli(['provision', '--no-secret'], env, { cwd, timeoutMs: 120_000 })).code, 0);
  const r = await onTerminal(['deploy'], env, cwd, [[/Add https:\/\/.*\/mcp to \.vscode\/mcp\.json\?/, 'y\r']]);
  assert.equal(r.code, 0, r.out.slice(-800));
  assert.equal(r.answered, 1);
  const servers = (JSON.parse(await readFile(join(cwd, '.vscode', 'mcp.json'), 'utf8')) as { servers: Record<string, { url: string }> }).servers;
  assert.match(servers['mcp-obo-e2e-dev-tt02']!.url, /^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
});
