/** The GitHub Actions workflow that deploys with OIDC workload identity, from templates/. */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import type { Deployment } from '../state/deployment.ts';
import { names } from '../state/naming.ts';
import { writeFileAtomic } from '../state/store.ts';
import { VERSION } from '../version.ts';

export async function writeGithubWorkflow(d: Deployment, cwd: string, force: boolean): Promise<string> {
  const name = `${d.prefix}-${d.env}`;
  const path = join(cwd, '.github', 'workflows', `mcp-obo-${name}.yml`);
  if (existsSync(path) && !force) throw new UsageError(`${path} already exists`, { suggestion: 'Pass --force to overwrite it.' });
  const template = await readFile(fileURLToPath(new URL('../../templates/github-deploy.yml', import.meta.url)), 'utf8');
  const filled = template
    .replaceAll('{{DEPLOYMENT}}', name)
    .replaceAll('{{RESOURCE_GROUP}}', names(d).resourceGroup)
    .replaceAll('{{TENANT_ID}}', d.tenantId)
    .replaceAll('{{VERSION}}', VERSION);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, filled);
  return path;
}
