/** `mcp-obo token --curl`: commands that are safe to paste, whatever the URL, and never hold the token. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellQuote } from '../../src/cli/shell.ts';
import { curlCommands } from '../../src/token/command.ts';

/** Runs the printed commands in bash with `curl` and `mcp-obo` as functions that record their arguments. */
function runPrinted(script: string, cwd: string): Promise<string[][]> {
  const prelude = `mcp-obo() { printf '%s\\n' "$*" > mcp-obo.args; echo tok.en.value; }\ncurl() { for a in "$@"; do printf '%s\\0' "$a"; done; printf '\\n'; }\n`;
  return new Promise((resolve, reject) =>
    execFile('bash', ['-c', prelude + script], { cwd }, (err, stdout) => (err ? reject(err) : resolve(stdout.split('\n').filter(Boolean).map((l) => l.split('\0').filter((x) => x !== ''))))),
  );
}

test('shellQuote keeps plain words and single-quotes everything else', () => {
  assert.equal(shellQuote('https://host:8000/mcp'), 'https://host:8000/mcp');
  assert.equal(shellQuote("it's $(x) `y` \"z\""), `'it'\\''s $(x) \`y\` "z"'`);
  assert.equal(shellQuote(''), "''");
});

test('a hostile URL stays one argument and runs nothing; the token comes from $TOKEN, set once', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'mcp-obo-curl-'));
  const url = "http://localhost:8000/x'; touch pwned; echo '$(touch pwned2)`touch pwned3`";
  const printed = curlCommands(url, `mcp-obo token --deployment ${shellQuote("we'ird dev")}`);
  assert.doesNotMatch(printed, /tok\.en\.value/);
  const calls = await runPrinted(printed, cwd);
  assert.equal(calls.length, 3);
  for (const args of calls) {
    assert.equal(args[1], `${url}/mcp`, 'the URL is one argument, unchanged');
    assert.ok(args.includes('Authorization: Bearer tok.en.value'), 'the header carries the token from $TOKEN');
  }
  assert.match(JSON.parse(calls[2]!.at(-1)!).method, /tools\/call/);
  assert.deepEqual((await readdir(cwd)).sort(), ['mcp-obo.args'], 'nothing else ran');
  const { readFile } = await import('node:fs/promises');
  assert.equal(await readFile(join(cwd, 'mcp-obo.args'), 'utf8'), "token --deployment we'ird dev\n");
  assert.equal(printed.match(/TOKEN=\$\(/g)?.length, 1, 'one command substitution');
});
