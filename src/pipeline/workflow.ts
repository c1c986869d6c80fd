/**
 * The GitHub Actions workflow, from templates/github-deploy.yml: triggers and the deploy job's
 * environment match the federated credentials (subjects.ts), mcp-obo is installed the way `init`
 * recorded, and the JSON results are read with jq (NDJSON for deploy, one document for test).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { UsageError } from '../errors.ts';
import { shellQuote } from '../cli/shell.ts';
import type { Deployment, InstallInfo } from '../state/deployment.ts';
import { deploymentFileName } from '../state/deployment.ts';
import { writeFileAtomic } from '../state/store.ts';
import { packagePath } from '../package-root.ts';

export interface WorkflowInput {
  deployment: Deployment;
  /** The deployment's folder relative to the repository root ('.' at the root). */
  workdir: string;
  branches: string[];
  environment?: string;
  pullRequest: boolean;
  /** The repository variable holding the identity's client id. */
  variable: string;
}

/** A workflow mcp-obo wrote (now, or by `init --github-workflow` before): a rerun may replace it, nothing else. */
export function writtenByUs(content: string): boolean {
  return /Written by\s*(?:#\s*)?`mcp-obo (?:pipeline github|init --github-workflow)`/.test(content);
}

/** What writing `content` to `path` would do; refuses to replace someone else's file unless forced. */
export async function planWorkflow(path: string, content: string, force: boolean): Promise<'create' | 'update' | 'unchanged'> {
  const current = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (current === undefined) return 'create';
  if (current === content) return 'unchanged';
  if (!writtenByUs(current) && !force) throw new UsageError(`${path} exists and was not written by mcp-obo`, { suggestion: 'Move it away, or pass --force to replace it.' });
  return 'update';
}

export async function writeWorkflow(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, content);
}

export function workflowPath(root: string, d: Pick<Deployment, 'prefix' | 'env'>): string {
  return join(root, '.github', 'workflows', `mcp-obo-${d.prefix}-${d.env}.yml`);
}

export function variableName(d: Pick<Deployment, 'prefix' | 'env'>): string {
  return `MCP_OBO_CLIENT_ID_${d.prefix}_${d.env}`.toUpperCase();
}

const yamlList = (xs: string[]) => `[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ')}]`;
const indent = (text: string, n: number) => text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');

/** A git URL a runner can clone without keys (github.com over https). */
function cloneUrl(url: string): string {
  const ssh = /^(?:ssh:\/\/)?git@github\.com[:/](.+?)(?:\.git)?$/.exec(url);
  return ssh ? `https://github.com/${ssh[1]}.git` : url.replace(/^git\+/, '');
}

function installSteps(install: InstallInfo, workdir: string): { steps: string; description: string } {
  switch (install.kind) {
    case 'registry':
      return {
        description: `${install.spec} from the npm registry`,
        steps: `- name: Install ${install.spec}\n  run: |\n    npm install --global --no-audit --no-fund ${shellQuote(install.spec)}`,
      };
    case 'tarball': {
      const check = `node -e "const c=require('crypto'),f=require('fs');if('sha512-'+c.createHash('sha512').update(f.readFileSync(process.argv[1])).digest('base64')!==process.argv[2]){console.error('::error::'+process.argv[1]+' is not the tarball this deployment was set up with');process.exit(1)}"`;
      return {
        description: `the tarball ${install.path} (committed to this repository), checked against its sha512`,
        steps: `- name: Install mcp-obo from ${install.path}\n  run: |\n    ${check} ${shellQuote(install.path)} ${shellQuote(install.integrity)}\n    npm install --global --no-audit --no-fund ${shellQuote(`./${posix.normalize(install.path)}`)}`,
      };
    }
    case 'git': {
      const url = cloneUrl(install.url);
      return {
        description: `${url} at commit ${install.commit}, built on the runner`,
        steps: [
          `- name: Install mcp-obo from ${url} at ${install.commit.slice(0, 12)}`,
          '  run: |',
          `    git clone --quiet --no-checkout ${shellQuote(url)} "$RUNNER_TEMP/mcp-obo"`,
          `    git -C "$RUNNER_TEMP/mcp-obo" checkout --quiet ${install.commit}`,
          '    npm ci --prefix "$RUNNER_TEMP/mcp-obo" --no-audit --no-fund',
          '    npm run build --prefix "$RUNNER_TEMP/mcp-obo"',
          '    echo "$RUNNER_TEMP/mcp-obo/bin" >> "$GITHUB_PATH"',
        ].join('\n'),
      };
    }
    case 'project': {
      const dir = posix.normalize(posix.join(workdir, dirname(install.lockfile)));
      return {
        description: `this project's own dependency, pinned by ${install.lockfile}`,
        steps: `- name: Install mcp-obo as ${install.lockfile} pins it\n  working-directory: ${JSON.stringify(dir)}\n  run: |\n    npm ci --no-audit --no-fund\n    echo "$PWD/node_modules/.bin" >> "$GITHUB_PATH"`,
      };
    }
  }
}

function checkStep(name: string): string {
  return [
    '- name: Check the deployed server',
    '  run: |',
    '    set +e',
    `    mcp-obo test --deployment ${name} --json > "$RUNNER_TEMP/test.json"`,
    '    status=$?',
    '    set -e',
    '    # One JSON document (templates/schemas/test.schema.json); the checks as a user are skipped without MCP_OBO_TOKEN.',
    `    jq -r '.checks[]? | "\\(if .skipped then "○" elif .ok then "✔" else "✖" end) \\(.id): \\(.detail)"' "$RUNNER_TEMP/test.json"`,
    '    if [ "$status" -ne 0 ]; then',
    `      echo "::error title=mcp-obo test::$(jq -r '[.error.message, .error.advice // empty] | join(" ") | gsub("\\n"; "%0A")' "$RUNNER_TEMP/test.json")"`,
    '      exit "$status"',
    '    fi',
  ].join('\n');
}

export async function renderWorkflow(w: WorkflowInput): Promise<string> {
  const d = w.deployment;
  if (!d.install) {
    throw new UsageError('the deployment file does not say how mcp-obo was installed, so a pipeline would not know how to install it', {
      suggestion: 'Install mcp-obo from the registry, a tarball or a repository (README: "Installing"), then run `mcp-obo init` again here, or pass `--install <mcp-obo@version | path/to/mcp-obo.tgz | git-url#commit>`.',
    });
  }
  if (d.install.kind === 'tarball' && (d.install.path.startsWith('../') || d.install.path.startsWith('/'))) {
    throw new UsageError(`mcp-obo was installed from ${d.install.path}, outside this repository, where a pipeline cannot reach it`, {
      suggestion: 'Copy the tarball into the repository (e.g. vendor/), install it from there (`npm install ./vendor/<file>.tgz`), run `mcp-obo init` again, and commit it.',
    });
  }
  const name = `${d.prefix}-${d.env}`;
  const refs = w.branches.map((b) => `refs/heads/${b}`);
  const triggers = [`  push:\n    branches: ${yamlList(w.branches)}`, '  workflow_dispatch:', ...(w.pullRequest ? [`  pull_request:\n    branches: ${yamlList(w.branches)}`] : [])].join('\n');
  // Without an environment the token's subject is the branch: only the trusted branches may deploy, also when dispatched by hand.
  const deployIf = w.environment ? "github.event_name != 'pull_request'" : `github.event_name != 'pull_request' && contains(fromJSON('${JSON.stringify(refs)}'), github.ref)`;
  const install = installSteps(d.install, w.workdir);
  const file = deploymentFileName(d);
  const setup = [
    '- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
    '- uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0',
    '  with:',
    '    node-version: 24',
    '- name: Check the deployment file is committed',
    '  run: |',
    `    test -f ${file} || { echo '::error::${file} is not in the repository: run mcp-obo provision, then commit it'; exit 1; }`,
    install.steps,
  ].join('\n');
  const trust = w.environment
    ? `The identity trusts the GitHub environment "${w.environment}"${w.pullRequest ? ' and pull requests' : ''}: protect the environment (required reviewers, deployment branches).`
    : `The identity trusts the branch${w.branches.length > 1 ? 'es' : ''} ${w.branches.join(', ')}${w.pullRequest ? ' and pull requests from branches of this repository' : ''}, nothing else.`;
  const prJob = w.pullRequest
    ? [
        '',
        '  # Pull requests from branches of this repository sign in as the same identity and check the deployed server (forks get no token).',
        '  check:',
        "    if: github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
        '    runs-on: ubuntu-latest',
        '    permissions:',
        '      id-token: write',
        '      contents: read',
        '    defaults:',
        '      run:',
        `        working-directory: ${JSON.stringify(w.workdir)}`,
        '    env:',
        `      AZURE_CLIENT_ID: \${{ vars.${w.variable} }}`,
        `      AZURE_TENANT_ID: ${d.tenantId}`,
        '    steps:',
        indent(setup, 6),
        indent(checkStep(name), 6),
      ].join('\n')
    : '';
  const template = await readFile(packagePath('templates', 'github-deploy.yml'), 'utf8');
  const values: Record<string, string> = {
    DEPLOYMENT_FILE: file,
    DEPLOYMENT: name,
    VARIABLE: w.variable,
    TRUST: trust,
    INSTALL_DESCRIPTION: install.description,
    TRIGGERS: triggers,
    DEPLOY_IF: deployIf,
    ENVIRONMENT: w.environment ? `    environment: ${JSON.stringify(w.environment)}\n` : '',
    WORKDIR: JSON.stringify(w.workdir),
    TENANT_ID: d.tenantId,
    SETUP: indent(setup, 6),
    CHECK: indent(checkStep(name), 6),
    PR_JOB: prJob,
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`templates/github-deploy.yml: unknown placeholder ${k}`);
    return values[k]!;
  }).replace(/\n+$/, '\n');
}
