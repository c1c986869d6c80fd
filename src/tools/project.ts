/**
 * The tools a project offers, from its deployment file (`tools.packs`, `tools.modules` relative to
 * the file) or, without one, from flags: what `tools list`, `provision`, `consent` and `deploy`
 * all derive from, so the permissions always follow the tools.
 */
import { dirname, resolve } from 'node:path';
import type { Deployment } from '../state/deployment.ts';
import { DEFAULT_PACKS, type PackName } from './packs/names.ts';

export interface ProjectTools {
  packs: PackName[];
  /** Absolute paths of tool modules (files or folders). */
  modules: string[];
  /** The project folder (the deployment file's). */
  root: string;
}

export function projectTools(deploymentPath: string, d: Pick<Deployment, 'tools'>): ProjectTools {
  const root = dirname(deploymentPath);
  return {
    packs: [...((d.tools?.packs as PackName[] | undefined) ?? DEFAULT_PACKS)],
    modules: (d.tools?.modules ?? []).map((m) => resolve(root, m)),
    root,
  };
}
