/** The shipped JSON Schemas are exactly what the contract's zod schemas generate, and they compile. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { COMMANDS, type CommandName } from '../../src/contract/commands.ts';
import { jsonSchema, schemaFile } from '../../src/contract/json-schema.ts';
import { errorInfo, jsonRequest } from '../../src/cli/output.ts';
import { McpOboError, UsageError } from '../../src/errors.ts';
import { schemaValidator } from '../helpers/contract.ts';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { processContext } from '../../src/cli/context.ts';

const DIR = fileURLToPath(new URL('../../templates/schemas/', import.meta.url));

test('templates/schemas holds one schema per command, as generated (run `npm run schemas` after changing src/contract)', async () => {
  const names = Object.keys(COMMANDS) as CommandName[];
  assert.deepEqual((await readdir(DIR)).sort(), names.map(schemaFile).sort());
  for (const n of names) assert.deepEqual(JSON.parse(await readFile(`${DIR}${schemaFile(n)}`, 'utf8')), JSON.parse(JSON.stringify(jsonSchema(n))), `${n} is stale`);
});

test('every schema accepts the generic failure document and refuses display labels as keys', () => {
  const failure = (n: string) => ({ ...(['provision', 'deploy', 'logs', 'serve', 'cleanup'].includes(n) ? { event: 'result' } : {}), ok: false, error: { code: 'not-signed-in', message: 'x', advice: null } });
  for (const n of Object.keys(COMMANDS)) assert.ok(schemaValidator(n)(failure(n)), n);
  assert.equal(schemaValidator('consent')({ ok: true, granted: true, permissions: [], adminConsentUrl: 'u', 'App (client) ID': 'x' }), false);
  assert.equal(schemaValidator('test')({ ok: false, url: 'u', checks: [] }), false, 'a failure needs its error');
});

test('every command that takes --json is in the contract: a COMMANDS entry (and so a shipped schema) under its name', () => {
  const outside: string[] = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      const here = [...path, sub.name()];
      // --json output is validated against the schema of the top-level command (`users add` -> users.schema.json).
      if (sub.options.some((o) => o.long === '--json') && !(here[0]! in COMMANDS)) outside.push(here.join(' '));
      walk(sub, here);
    }
  };
  walk(buildProgram(processContext()), []);
  assert.deepEqual(outside, [], 'commands printing --json outside the contract: add their schema to src/contract/commands.ts and print through createOutput');
});

test('errors become {code, message, advice}; unexpected ones are `internal`', () => {
  assert.deepEqual(errorInfo(new UsageError('bad', { suggestion: 'fix' })), { code: 'usage', message: 'bad', advice: 'fix' });
  assert.deepEqual(errorInfo(new McpOboError('m', { code: 'aadsts-7000215' })), { code: 'aadsts-7000215', message: 'm', advice: null });
  assert.equal(errorInfo(new TypeError('boom')).code, 'internal');
});

test('--json is found before `--` only, with the command it belongs to', () => {
  assert.deepEqual(jsonRequest(['node', 'bin', 'deploy', '--json']), { json: true, command: 'deploy' });
  assert.deepEqual(jsonRequest(['node', 'bin', 'test', '--', '--json']), { json: false, command: 'test' });
});
