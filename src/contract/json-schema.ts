/**
 * The contract as JSON Schema (draft 2020-12), one file per command in templates/schemas/, generated
 * from the zod schemas (`npm run schemas`) and shipped in the package. For NDJSON commands the
 * schema describes one line: any of its events, or its closing result.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { VERSION } from '../version.ts';
import { COMMANDS, type CommandName } from './commands.ts';

export function jsonSchema(command: CommandName): Record<string, unknown> {
  const c = COMMANDS[command];
  return {
    ...z.toJSONSchema(c.schema, { target: 'draft-2020-12' }),
    $id: `urn:mcp-obo:schema:${command}`,
    title: c.description,
    description: c.stream
      ? `Each line of \`mcp-obo ${command} --json\` (NDJSON); the last is {"event":"result","ok":…}. Contract of mcp-obo ${VERSION.split('.').slice(0, 2).join('.')}.`
      : `The one JSON document \`mcp-obo ${command} --json\` prints. Contract of mcp-obo ${VERSION.split('.').slice(0, 2).join('.')}.`,
  };
}

export function schemaFile(command: CommandName): string {
  return `${command}.schema.json`;
}

/** Writes every command's schema into `dir` (templates/schemas). */
export async function writeSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names = Object.keys(COMMANDS) as CommandName[];
  for (const n of names) await writeFile(join(dir, schemaFile(n)), JSON.stringify(jsonSchema(n), null, 2) + '\n');
  return names.map(schemaFile);
}
