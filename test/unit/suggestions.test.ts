/**
 * Every `mcp-obo ...` command the CLI suggests (in any string of src/, with its ${...} and <...>
 * parts filled in) and every command the README's code blocks and troubleshooting table show must be
 * runnable as printed: a command that exists, options it has, a value where an option takes one,
 * the arguments it takes. Checked against the real command tree, so a renamed flag or a suggestion
 * naming a command that does not exist fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import type { CliContext } from '../../src/cli/context.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Strings that start with "mcp-obo " but are names, not commands. */
const NOT_COMMANDS = [/^mcp-obo local \(/, /^mcp-obo facade /, /^mcp-obo writes its files/, /^mcp-obo was installed/, /^mcp-obo \(\?:/, /^mcp-obo \$\{command\}/];

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** `mcp-obo ...` between backticks in a source file's strings (comments left out), with where it is. */
export function suggestionsIn(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '').replaceAll('\\`', '`');
  return [...code.matchAll(/`(mcp-obo [^`]*)`/g)].map((m) => m[1]!);
}

/** Fills in what the program would: an interpolation after a space is a value, glued to a word it is a suffix; <...> is a value. */
export function filled(s: string): string {
  return s
    .replace(/(^|[\s=])\$\{[^}]*\}/g, '$1VALUE')
    .replace(/\$\{[^}]*\}/g, '')
    .replace(/<[^>]+>/g, 'VALUE')
    .replace(/\.\.\./g, 'VALUE');
}

function tokens(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const SHELL_OPERATORS = new Set(['|', '&&', '||', ';']);

/** Why `line` would not parse as printed, or undefined. A shell pipeline or list: each mcp-obo command in it. */
function problem(program: Command, line: string): string | undefined {
  const segments: string[][] = [[]];
  for (const t of tokens(line)) {
    if (SHELL_OPERATORS.has(t)) segments.push([]);
    else segments.at(-1)!.push(t);
  }
  const [first, ...others] = segments;
  return problemOf(program, first!) ?? others.filter((argv) => argv[0] === 'mcp-obo').map((argv) => problemOf(program, argv)).find(Boolean);
}

function problemOf(program: Command, argv: string[]): string | undefined {
  if (argv[0] !== 'mcp-obo') return 'does not start with mcp-obo';
  if (argv.length === 2 && ['--help', '-h', '--version', '-V'].includes(argv[1]!)) return undefined;
  let cmd = program;
  let i = 1;
  while (i < argv.length && cmd.commands.length) {
    const sub = cmd.commands.find((c) => c.name() === argv[i]);
    if (!sub) break;
    cmd = sub;
    i++;
  }
  if (cmd === program) return `no command "${argv[1]}"`;
  if (cmd.commands.length) return `"${cmd.name()}" needs a subcommand (${cmd.commands.map((c) => c.name()).join(', ')})`;
  let positional = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-')) {
      const [flag, inline] = a.split('=', 2);
      const opt = cmd.options.find((o) => o.long === flag || o.short === flag);
      if (!opt) return `${cmd.name()} has no option ${flag}`;
      if (opt.required && inline === undefined) {
        if (i + 1 >= argv.length || argv[i + 1]!.startsWith('-')) return `${flag} needs a value`;
        i++;
      }
      continue;
    }
    const args = cmd.registeredArguments;
    const spec = args[Math.min(positional, args.length - 1)];
    if (!spec || (positional >= args.length && !spec.variadic)) return `${cmd.name()} takes no argument "${a}"`;
    positional++;
  }
  const needed = cmd.registeredArguments.filter((a) => a.required).length;
  if (positional < needed) return `${cmd.name()} needs ${cmd.registeredArguments.map((a) => a.name()).join(' ')}`;
  return undefined;
}

const ctx: CliContext = { env: {}, cwd: ROOT, stdout: process.stdout, stderr: process.stderr, isTTY: false, waitForShutdown: () => new Promise(() => {}) };

test('every command suggested in src/ parses against the command tree', async () => {
  const program = buildProgram(ctx);
  const bad: string[] = [];
  let seen = 0;
  for (const file of await sources(join(ROOT, 'src'))) {
    for (const s of suggestionsIn(await readFile(file, 'utf8'))) {
      if (NOT_COMMANDS.some((r) => r.test(s))) continue;
      seen++;
      const why = problem(program, filled(s));
      if (why) bad.push(`${relative(ROOT, file)}: \`${s}\`: ${why}`);
    }
  }
  assert.ok(seen > 40, `found ${seen} suggestions`);
  assert.deepEqual(bad, []);
});

test("every command in the README's code blocks and troubleshooting table parses against the command tree", async () => {
  const program = buildProgram(ctx);
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const lines: string[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const l of block[1]!.split('\n')) {
      const m = /^(?:npx )?(mcp-obo .*?)(?:\s+#.*)?$/.exec(l.trim());
      if (m) lines.push(m[1]!);
    }
  }
  const troubleshooting = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('\n## ', readme.indexOf('## Troubleshooting') + 5));
  lines.push(...[...troubleshooting.matchAll(/`((?:npx )?mcp-obo [^`]*)`/g)].map((m) => m[1]!.replace(/^npx /, '')));
  const bad = lines.map((l) => [l, problem(program, filled(l))] as const).filter(([, why]) => why).map(([l, why]) => `\`${l}\`: ${why}`);
  assert.ok(lines.length > 30, `found ${lines.length}`);
  assert.deepEqual(bad, []);
});

test('the checker itself: it catches an unknown command, an unknown flag, a missing value, a missing argument', () => {
  const program = buildProgram(ctx);
  assert.match(problem(program, 'mcp-obo provison')!, /no command "provison"/);
  assert.match(problem(program, 'mcp-obo init --location')!, /--location needs a value/);
  assert.match(problem(program, 'mcp-obo deploy --domian x')!, /no option --domian/);
  assert.match(problem(program, 'mcp-obo users add')!, /needs who/);
  assert.match(problem(program, 'mcp-obo users')!, /needs a subcommand/);
  assert.equal(problem(program, filled('mcp-obo users add <you> ${x} --deployment ${name}')), undefined);
  assert.equal(problem(program, filled('mcp-obo consent${flag}')), undefined);
  assert.equal(problem(program, 'mcp-obo deploy --json | tee out.ndjson && mcp-obo test'), undefined);
  assert.match(problem(program, 'mcp-obo deploy --json | tee out.ndjson && mcp-obo tset')!, /no command "tset"/);
});
