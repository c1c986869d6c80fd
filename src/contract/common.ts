/**
 * The --json contract's building blocks. Every command prints, with --json, exactly one JSON
 * document on stdout, or (long commands) NDJSON events ending in one `{"event":"result"}` line.
 * The result has `ok`; on failure also `error: {code, message, advice}` and whatever the command
 * knew by then. These zod schemas are the contract: commands type their results with them, and
 * templates/schemas/*.schema.json are generated from them (and checked by the tests).
 */
import { z } from 'zod';

/** Machine codes and check ids: lower-case words joined by `-` (a `.` separates a check from its subject). */
export const SLUG = /^[a-z][a-zA-Z0-9]*([.-][a-zA-Z0-9_]+)*$/;

export const ErrorInfo = z
  .strictObject({
    code: z.string().regex(SLUG).describe('stable machine code, e.g. not-signed-in, aadsts-7000215, checks-failed, usage'),
    message: z.string().describe('what went wrong'),
    advice: z.string().nullable().describe('the next thing to do, usually a command'),
  })
  .describe('why the command failed');
export type ErrorInfo = z.infer<typeof ErrorInfo>;

type Shape = z.ZodRawShape;

const failureOf = <S extends Shape>(shape: S) => z.strictObject({ ok: z.literal(false), error: ErrorInfo, ...z.object(shape).partial().shape });

/** A single-document command: its success, and its failure (the error plus whatever the command knew). */
export function documentOf<S extends Shape>(shape: S) {
  const success = z.strictObject({ ok: z.literal(true), ...shape });
  const failure = failureOf(shape);
  return { success, failure, schema: z.union([success, failure]) };
}

/** A streaming command's last line, `{"event":"result", ok, ...}`. */
export function resultOf<S extends Shape>(shape: S) {
  return documentOf({ event: z.literal('result'), ...shape });
}

/** A streaming command's line: one of its events, or its result. */
export function linesOf(events: readonly z.ZodType[], result: z.ZodType): z.ZodType {
  return events.length ? z.union([...events, result]) : result;
}

export const RetryEvent = z.strictObject({
  event: z.literal('retry'),
  label: z.string(),
  attempt: z.number().int(),
  waitMs: z.number(),
  reason: z.string(),
}).describe('a transient failure being retried (throttling, replication delay)');

export const StatusEvent = z.strictObject({ event: z.literal('status'), message: z.string() }).describe('what the command is doing now');
