/**
 * The --json contract, checked the way a pipeline relies on it: stdout holds exactly one JSON
 * document, or NDJSON lines ending in exactly one `result` event; every line validates against the
 * command's shipped schema (templates/schemas); a failure carries `error: {code, message, advice}`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

const SCHEMAS = fileURLToPath(new URL('../../templates/schemas/', import.meta.url));
const STREAMING = new Set(['provision', 'deploy', 'logs', 'serve', 'cleanup', 'pipeline']);
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

export function schemaValidator(command: string): ValidateFunction {
  let v = validators.get(command);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(`${SCHEMAS}${command}.schema.json`, 'utf8')) as object);
    validators.set(command, v);
  }
  return v;
}

/** Asserts the contract and returns the result (the document, or the `result` event). */
export function assertContract(command: string, stdout: string, expect: { ok: boolean; code?: string }): Record<string, any> {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length > 0, `${command} --json printed nothing on stdout`);
  const docs = lines.map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, any>;
    } catch {
      assert.fail(`${command} --json: line ${i + 1} of stdout is not JSON: ${l.slice(0, 200)}`);
    }
  });
  const validate = schemaValidator(command);
  for (const [i, d] of docs.entries()) assert.ok(validate(d), `${command} --json line ${i + 1} does not match its schema: ${ajv.errorsText(validate.errors)}\n${lines[i]!.slice(0, 600)}`);
  let result: Record<string, any>;
  if (STREAMING.has(command)) {
    const results = docs.filter((d) => d.event === 'result');
    assert.equal(results.length, 1, `${command} --json: exactly one result event (got ${results.length})`);
    assert.equal(docs.at(-1)!.event, 'result', `${command} --json: the result event comes last`);
    result = results[0]!;
  } else {
    assert.equal(docs.length, 1, `${command} --json: exactly one JSON document on stdout (got ${docs.length})`);
    result = docs[0]!;
  }
  assert.equal(result.ok, expect.ok, `${command} --json: ok is ${result.ok}: ${JSON.stringify(result.error ?? {})}`);
  if (!expect.ok) {
    assert.equal(typeof result.error?.message, 'string');
    if (expect.code) assert.equal(result.error.code, expect.code, `error: ${JSON.stringify(result.error)}`);
  }
  return result;
}
