/** `deploy --dry-run`: what would be built and rolled out, from reads only. */
import type { CliContext } from '../cli/context.ts';
import type { BuildContext } from './context.ts';
import type { ImagePlan } from './image-step.ts';

export interface DeployPlan {
  app: string;
  /** Whether the Container App exists (the deployment file records it). */
  exists: boolean;
  /** --image */
  given?: string;
  plan?: ImagePlan;
  context?: BuildContext;
  build: 'remote' | 'local';
  domain?: string;
}

export function printDeployPlan(ctx: Pick<CliContext, 'stdout'>, p: DeployPlan): void {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  out('Plan (nothing was changed):');
  if (p.given) out(`  image          ${p.given} (given with --image; nothing is built)`);
  else if (p.plan?.kind === 'unchanged') out(`  image          unchanged: ${p.plan.running.image} was built from this context (--force rebuilds)`);
  else if (p.plan?.kind === 'build' && p.context) {
    out(`  image          build ${p.plan.image} (${p.plan.why}; ${p.context.files.length} files, ${(p.context.archive.length / 1024).toFixed(0)} KiB, ${p.build === 'remote' ? 'in the registry' : 'with local Docker'})`);
    if (p.context.excluded.length) out(`                 not uploaded, as they may hold secrets: ${p.context.excluded.join(', ')}`);
  }
  const image = p.given ?? (p.plan?.kind === 'unchanged' ? p.plan.running.image : p.plan?.image);
  const roll = !p.exists
    ? `create, first revision with ${image}`
    : p.plan?.kind === 'unchanged'
      ? `update in place: a new revision only if a setting of its template changed (--cpu, --memory, replicas, --log-level)`
      : `update, new revision with ${image}`;
  out(`  container app  ${p.app}: ${roll}`);
  if (p.domain) out(`  domain         ${p.domain} (checked and bound by the deploy)`);
  out('Run it without --dry-run to apply.');
}
