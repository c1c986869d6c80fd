/**
 * `npm test` on a Node older than package.json's engines says "Node too old" (the pretest), and the
 * CLI's own entry refuses the same versions: run with this machine's older Node when it has one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- plain JavaScript (it must run on old Node versions), no declarations
import { check, satisfies } from '../../.ci/check-node.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const engines = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } }).engines.node;

test('the range check: >=, ^ and ||', () => {
  assert.equal(satisfies('24.15.0', '>=24.15.0'), true);
  assert.equal(satisfies('v25.1.0', '>=24.15.0'), true);
  assert.equal(satisfies('24.14.9', '>=24.15.0'), false);
  assert.equal(satisfies('22.22.2', '^22.22.2 || >=24.15.0'), true);
  assert.equal(satisfies('23.11.0', '^22.22.2 || >=24.15.0'), false);
  assert.equal(satisfies('20.20.2', engines), false);
  assert.equal(satisfies(process.versions.node, engines), true, 'the Node running the tests is supported');
  assert.match(check('20.20.2', engines), /^Node too old: mcp-obo's tests need Node.js >=24\.15\.0 \(this is v20\.20\.2\)/);
  assert.equal(check(process.versions.node, engines), undefined);
});

/** A Node older than the range on this machine (the system's, on CI images that ship an old one). */
const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));

test('on an older Node, the pretest and the CLI say so and stop', { skip: oldNode ? false : 'no older Node on this machine' }, async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string; version: string }>((resolve) =>
      execFile(oldNode!, args, { cwd: ROOT }, (err, _stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr, version: '' })),
    );
  const version = await new Promise<string>((resolve) => execFile(oldNode!, ['-p', 'process.versions.node'], (_e, out) => resolve(out.trim())));
  if (satisfies(version, engines)) return; // this machine's other Node is recent enough: nothing to show
  const pre = await run(['.ci/check-node.mjs']);
  assert.equal(pre.code, 1);
  assert.match(pre.stderr, new RegExp(`^Node too old: .* \\(this is v${version.replace(/\./g, '\\.')}\\)`));
  const cli = await run(['bin/mcp-obo', '--version']);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /mcp-obo needs Node\.js >= 24\.15/);
});
