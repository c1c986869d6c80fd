/** `mcp-obo tools enable|disable <pack...>`: the deployment file's packs; `provision` then follows them. */
import type { CliContext } from '../../cli/context.ts';
import { UsageError } from '../../errors.ts';
import { DeploymentStore, locateDeployment } from '../../state/store.ts';
import { DEFAULT_PACKS, isPackName, PACK_NAMES, type PackName } from '../packs/names.ts';

export async function setPacks(opts: { deployment?: string; packs: string[]; enable: boolean }, ctx: CliContext): Promise<{ deployment: string; packs: PackName[]; changed: boolean }> {
  const bad = opts.packs.find((p) => !isPackName(p));
  if (bad) throw new UsageError(`unknown pack "${bad}"`, { suggestion: `Packs: ${PACK_NAMES.join(', ')} (\`mcp-obo tools list --packs ${PACK_NAMES.join(',')}\` shows their tools).` });
  const store = await DeploymentStore.open(await locateDeployment(ctx.cwd, opts.deployment));
  const before = (store.deployment.tools?.packs as PackName[] | undefined) ?? [...DEFAULT_PACKS];
  const after = opts.enable ? [...new Set([...before, ...(opts.packs as PackName[])])] : before.filter((p) => !opts.packs.includes(p));
  const changed = after.length !== before.length;
  if (changed) await store.update((d) => ({ ...d, tools: { ...d.tools, packs: after } }));
  return { deployment: store.path, packs: after, changed };
}
