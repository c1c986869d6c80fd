// Fault injection rules, checked before normal routing.
import { guid, isRecord } from './http.ts';
import type { FaultEntry, FaultRule } from '../types.ts';

const KEYS = new Set(['method', 'path', 'status', 'body', 'headers', 'retryAfter', 'delayMs', 'hang', 'times', 'after']);

function nonNegInt(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`fault.${name} must be a non-negative integer`);
  return v;
}

/** Validate an untrusted fault rule (from the control API or a test). Throws TypeError. */
export function parseFaultRule(v: unknown): FaultRule {
  if (!isRecord(v)) throw new TypeError('fault rule must be a JSON object');
  for (const k of Object.keys(v)) if (!KEYS.has(k)) throw new TypeError(`unknown fault property '${k}'`);
  if (typeof v.path !== 'string' || v.path === '') throw new TypeError('fault.path (regular expression source) is required');
  try {
    new RegExp(v.path);
  } catch {
    throw new TypeError(`fault.path is not a valid regular expression: ${v.path}`);
  }
  if (v.method !== undefined && (typeof v.method !== 'string' || !/^[A-Za-z]+$/.test(v.method))) throw new TypeError('fault.method must be an HTTP method');
  const status = nonNegInt(v.status, 'status');
  if (status !== undefined && (status < 100 || status > 599)) throw new TypeError('fault.status must be 100..599');
  if (v.headers !== undefined) {
    if (!isRecord(v.headers) || Object.values(v.headers).some((x) => typeof x !== 'string')) throw new TypeError('fault.headers must map names to strings');
  }
  if (v.hang !== undefined && typeof v.hang !== 'boolean') throw new TypeError('fault.hang must be a boolean');
  const rule: FaultRule = { path: v.path };
  if (v.method !== undefined) rule.method = (v.method as string).toUpperCase();
  if (status !== undefined) rule.status = status;
  if (v.body !== undefined) rule.body = v.body;
  if (v.headers !== undefined) rule.headers = { ...(v.headers as Record<string, string>) };
  const retryAfter = nonNegInt(v.retryAfter, 'retryAfter');
  if (retryAfter !== undefined) rule.retryAfter = retryAfter;
  const delayMs = nonNegInt(v.delayMs, 'delayMs');
  if (delayMs !== undefined) rule.delayMs = delayMs;
  if (v.hang !== undefined) rule.hang = v.hang as boolean;
  const times = nonNegInt(v.times, 'times');
  if (times !== undefined) {
    if (times === 0) throw new TypeError('fault.times must be at least 1 (omit it for unlimited)');
    rule.times = times;
  }
  const after = nonNegInt(v.after, 'after');
  if (after !== undefined) rule.after = after;
  if (rule.status === undefined && rule.delayMs === undefined && !rule.hang && rule.headers === undefined) {
    throw new TypeError('fault rule does nothing: give status, delayMs, hang or headers');
  }
  return rule;
}

export class FaultRegistry {
  readonly #rules: Array<FaultEntry & { re: RegExp }> = [];

  /** Add a rule (validated); returns its id. Rules are tried in insertion order. */
  add(rule: FaultRule): string {
    const r = parseFaultRule(rule);
    const id = guid();
    this.#rules.push({ ...r, id, hits: 0, re: new RegExp(r.path) });
    return id;
  }

  remove(id: string): boolean {
    const i = this.#rules.findIndex((r) => r.id === id);
    if (i === -1) return false;
    this.#rules.splice(i, 1);
    return true;
  }

  clear(): void {
    this.#rules.length = 0;
  }

  list(): FaultEntry[] {
    return this.#rules.map(({ re: _re, ...r }) => structuredClone(r));
  }

  /**
   * The rule that applies to this request, if any. Counts the match: a rule with `after`
   * lets that many matches through first; a rule with `times` is removed once used up.
   */
  take(method: string, path: string): FaultEntry | undefined {
    for (const r of this.#rules) {
      if (r.method !== undefined && r.method !== method) continue;
      if (!r.re.test(path)) continue;
      if (r.after !== undefined && r.after > 0) {
        r.after -= 1;
        continue;
      }
      r.hits += 1;
      if (r.times !== undefined) {
        r.times -= 1;
        if (r.times === 0) this.remove(r.id);
      }
      const { re: _re, ...snapshot } = r;
      return structuredClone(snapshot);
    }
    return undefined;
  }
}
