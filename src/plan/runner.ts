/**
 * Runs a plan's steps as a dependency graph: every step starts as soon as its dependencies are
 * done, so independent work (Entra beside ARM; registry, identity and workspace beside each
 * other) overlaps. A failed step blocks only what depends on it; the rest still finishes.
 */
import type { Planned, Step, StepContext, StepEvent } from './types.ts';

export interface StepResult {
  step: Step;
  planned?: Planned;
  status: 'done' | 'planned' | 'failed' | 'blocked';
  error?: Error;
  ms: number;
}

export interface RunOptions {
  /** At most this many steps at once (1 = one after another). */
  concurrency?: number;
  onEvent?: (e: StepEvent) => void;
  /**
   * Errors after which a step is run again from its plan, at most `reruns` times (a request that
   * never answered). Safe because every step looks before it creates: a rerun is a resumed run.
   */
  rerunOn?: (err: unknown) => boolean;
  reruns?: number;
  onRerun?: (step: Step, attempt: number, err: Error) => void;
}

export function validateGraph(steps: Step[]): void {
  const ids = new Set(steps.map((s) => s.id));
  for (const s of steps) for (const d of s.dependsOn) if (!ids.has(d)) throw new Error(`step ${s.id} depends on unknown step ${d}`);
  const visiting = new Set<string>();
  const done = new Set<string>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const visit = (id: string) => {
    if (done.has(id)) return;
    if (visiting.has(id)) throw new Error(`dependency cycle at step ${id}`);
    visiting.add(id);
    for (const d of byId.get(id)!.dependsOn) visit(d);
    visiting.delete(id);
    done.add(id);
  };
  steps.forEach((s) => visit(s.id));
}

export async function runPlan(steps: Step[], ctx: StepContext, opts: RunOptions = {}): Promise<StepResult[]> {
  validateGraph(steps);
  const concurrency = opts.concurrency ?? 8;
  const emit = opts.onEvent ?? (() => {});
  const results = new Map<string, StepResult>();
  const running = new Map<string, Promise<void>>();
  const pending = [...steps];

  const ready = (s: Step) => s.dependsOn.every((d) => results.get(d)?.status === 'done' || results.get(d)?.status === 'planned');
  const blockedBy = (s: Step) => s.dependsOn.find((d) => results.get(d)?.status === 'failed' || results.get(d)?.status === 'blocked');

  const once = async (step: Step, started: number) => {
    const planned = ctx.dryRun ? await planAhead(step) : await step.plan(ctx);
    if (ctx.dryRun) {
      emit({ type: 'planned', step, planned });
      results.set(step.id, { step, planned, status: 'planned', ms: ctx.clock.now() - started });
      return;
    }
    emit({ type: 'start', step, planned });
    // apply also runs for unchanged / skipped steps: it records their outputs (a resumed run needs them).
    await step.apply(ctx, planned);
    const ms = ctx.clock.now() - started;
    emit({ type: 'done', step, planned, ms });
    results.set(step.id, { step, planned, status: 'done', ms });
  };

  /**
   * In a dry run nothing is applied, so the deployment file still holds the outputs of dependencies
   * that are about to be created again (a resource group deleted outside the tool: a new identity gets
   * a new principal id). A step must not plan against those stale values: it plans without them (a
   * plan only reads the file), and its plan says which of its values are only known after apply.
   */
  const planAhead = async (step: Step): Promise<Planned> => {
    const unknown = step.dependsOn.filter((d) => results.get(d)?.planned?.action === 'create');
    if (unknown.length === 0) return step.plan(ctx);
    const d = ctx.store.deployment;
    const resources = Object.fromEntries(Object.entries(d.resources).filter(([k]) => !unknown.includes(k)));
    const store = { deployment: { ...d, resources }, path: ctx.store.path } as unknown as StepContext['store'];
    const planned = await step.plan({ ...ctx, store });
    return { ...planned, detail: [planned.detail, `${unknown.join(', ')} known after apply`].filter(Boolean).join('; ') };
  };

  const execute = async (step: Step) => {
    const started = ctx.clock.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(step, started);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (attempt <= (opts.reruns ?? 0) && opts.rerunOn?.(err)) {
          opts.onRerun?.(step, attempt, error);
          continue;
        }
        const ms = ctx.clock.now() - started;
        emit({ type: 'failed', step, error, ms });
        results.set(step.id, { step, status: 'failed', error, ms });
        return;
      }
    }
  };

  while (pending.length > 0 || running.size > 0) {
    let changed = false;
    for (let i = 0; i < pending.length && running.size < concurrency; ) {
      const step = pending[i]!;
      const blocker = blockedBy(step);
      if (blocker) {
        pending.splice(i, 1);
        emit({ type: 'blocked', step, by: blocker });
        results.set(step.id, { step, status: 'blocked', ms: 0 });
        changed = true;
        continue;
      }
      if (ready(step)) {
        pending.splice(i, 1);
        running.set(step.id, execute(step).finally(() => running.delete(step.id)));
        changed = true;
        continue;
      }
      i++;
    }
    if (changed && running.size === 0) continue; // a block may unblock nothing but settle others
    if (running.size === 0) {
      if (pending.length > 0) throw new Error(`steps cannot start: ${pending.map((s) => s.id).join(', ')}`);
      break;
    }
    await Promise.race(running.values());
  }
  return steps.map((s) => results.get(s.id)!);
}
