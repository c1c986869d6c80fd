import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit, type InitOptions } from '../../src/provision/init.ts';
import { nonInteractive, type Prompter } from '../../src/cli/prompts.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { UsageError } from '../../src/errors.ts';
import { DeploymentSchema } from '../../src/state/deployment.ts';

const T = '11111111-2222-3333-4444-555555555555';
const S = '66666666-7777-8888-9999-000000000000';
const full: InitOptions = { tenant: T, subscription: S, location: 'eastus', prefix: 'contoso', env: 'dev', id: 'ab12' };

async function ctx(env: Record<string, string> = {}): Promise<CliContext> {
  const cwd = await mkdtemp(join(tmpdir(), 'mcp-obo-init-'));
  return { env, cwd, stdout: process.stdout, stderr: process.stderr, isTTY: false, waitForShutdown: () => new Promise(() => {}) };
}

test('with every value given it writes a valid deployment file and makes no call', async () => {
  const c = await ctx();
  const d = await runInit(full, c, nonInteractive);
  const path = join(c.cwd, 'mcp-obo.contoso-dev.json');
  const saved = DeploymentSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  assert.deepEqual({ ...saved, createdAt: undefined }, { ...d, createdAt: undefined });
  assert.equal(saved.location, 'eastus');
  assert.equal(saved.cloud, 'AzureCloud');
  assert.deepEqual(saved.resources, {});
  assert.equal((await stat(path)).mode & 0o777, 0o644, 'no secret inside, readable');
  assert.doesNotMatch(await readFile(path, 'utf8'), /secret/i);
});

test('values come from environment variables too; a random id is generated', async () => {
  const c = await ctx({ MCP_OBO_TENANT: T, AZURE_SUBSCRIPTION_ID: S, MCP_OBO_LOCATION: 'West Europe', MCP_OBO_PREFIX: 'fab', MCP_OBO_ENV: 'prd' });
  const d = await runInit({}, c, nonInteractive);
  assert.equal(d.location, 'westeurope');
  assert.match(d.id, /^[a-z][a-z0-9]{4}$/);
});

for (const [name, opts, pattern] of [
  ['a malformed tenant', { ...full, tenant: 'contoso' }, /--tenant "contoso" is not a GUID/],
  ['a malformed subscription', { ...full, subscription: '123' }, /--subscription "123" is not a GUID/],
  ['an unknown region', { ...full, location: 'eastus9' }, /--location "eastus9" is not an Azure region/],
  ['a prefix with a dash (breaks the registry name)', { ...full, prefix: 'con-toso' }, /--prefix "con-toso" is not valid/],
  ['a prefix too long for the container app name', { ...full, prefix: 'contosoltd' }, /--prefix/],
  ['an upper-case env', { ...full, env: 'Dev' }, /--env "Dev" is not valid/],
  ['a bad id', { ...full, id: 'AB' }, /--id "AB" is not valid/],
] as const) {
  test(`bad input is refused before anything is written: ${name}`, async () => {
    const c = await ctx();
    await assert.rejects(runInit(opts, c, nonInteractive), (err: unknown) => err instanceof UsageError && err.exitCode === 2 && pattern.test(err.message));
    assert.deepEqual(await readdir(c.cwd), []);
  });
}

test('without a terminal a missing value names its flag', async () => {
  const c = await ctx();
  await assert.rejects(runInit({ ...full, location: undefined }, c, nonInteractive), /--location is required when not running interactively/);
});

test('on a terminal the missing values are asked, with validation and choices from the account', async () => {
  const c = await ctx();
  const asked: string[] = [];
  const prompter: Prompter = {
    interactive: true,
    input: async (q) => {
      asked.push(q.flag);
      return { '--prefix': 'acme', '--env': 'stg' }[q.flag] ?? '';
    },
    select: async (q) => {
      asked.push(q.flag);
      return q.choices[q.flag === '--subscription' ? 1 : 0]!.value;
    },
    confirm: async () => true,
  };
  const catalog = {
    subscriptions: async () => [
      { id: '00000000-0000-0000-0000-00000000000a', name: 'A', tenantId: T },
      { id: S, name: 'B', tenantId: T },
    ],
    regions: async () => ['swedencentral', 'westeurope'],
  };
  const d = await runInit({ id: 'zz99' }, c, prompter, catalog);
  assert.deepEqual(asked, ['--subscription', '--location', '--prefix', '--env']);
  assert.equal(d.subscriptionId, S);
  assert.equal(d.tenantId, T);
  assert.equal(d.location, 'swedencentral');
});

test('init again with the same settings keeps the file; other settings need --force', async () => {
  const c = await ctx();
  const first = await runInit(full, c, nonInteractive);
  const again = await runInit({ ...full, id: undefined }, c, nonInteractive);
  assert.equal(again.id, first.id, 'same deployment, same id');
  await assert.rejects(runInit({ ...full, location: 'westeurope' }, c, nonInteractive), (err: UsageError) => /already exists/.test(err.message) && /--force/.test(err.suggestion ?? ''));
  const forced = await runInit({ ...full, location: 'westeurope', force: true }, c, nonInteractive);
  assert.equal(forced.location, 'westeurope');
});

test('a deployment file that records resources is never silently replaced: --force refuses, --force --abandon says how to remove them', async () => {
  const c = await ctx();
  const err: string[] = [];
  c.stderr = { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream;
  await runInit(full, c, nonInteractive);
  const path = join(c.cwd, 'mcp-obo.contoso-dev.json');
  const d = JSON.parse(await readFile(path, 'utf8'));
  d.resources.resourceGroup = { name: 'rg-contoso-dev-ab12', id: `/subscriptions/${S}/resourceGroups/rg-contoso-dev-ab12` };
  await writeFile(path, JSON.stringify(d));
  const before = await readFile(path, 'utf8');
  await assert.rejects(runInit({ id: 'new1' }, c, nonInteractive), (e: UsageError) => /other settings/.test(e.message) && /mcp-obo cleanup --deployment contoso-dev/.test(e.suggestion ?? ''));
  await assert.rejects(
    runInit({ id: 'new1', force: true }, c, nonInteractive),
    (e: UsageError) => e.exitCode === 2 && /has resources \(resource group rg-contoso-dev-ab12\): --force would forget them/.test(e.message) && /--abandon/.test(e.suggestion ?? ''),
  );
  assert.equal(await readFile(path, 'utf8'), before, 'refused: nothing written');
  await assert.rejects(runInit({ id: 'new1', abandon: true }, c, nonInteractive), /--abandon goes with --force/);

  const fresh = await runInit({ id: 'new1', force: true, abandon: true }, c, nonInteractive);
  assert.equal(fresh.id, 'new1');
  assert.deepEqual(fresh.resources, {});
  assert.match(err.join(''), new RegExp(`Abandoned deployment contoso-dev-ab12: its resources \\(resource group rg-contoso-dev-ab12\\) stay in Azure[\\s\\S]*mcp-obo cleanup --id ab12 --tenant ${T} --subscription ${S}`));
});

test('init pre-fills from the deployment here: `init --force --id <new id>` alone re-creates it; a new env needs only --env', async () => {
  const c = await ctx();
  await runInit(full, c, nonInteractive);
  const renewed = await runInit({ force: true, id: 'zz77' }, c, nonInteractive);
  assert.deepEqual([renewed.tenantId, renewed.subscriptionId, renewed.location, renewed.prefix, renewed.env, renewed.id], [T, S, 'eastus', 'contoso', 'dev', 'zz77']);
  const stg = await runInit({ env: 'stg' }, c, nonInteractive);
  assert.deepEqual([stg.tenantId, stg.subscriptionId, stg.location, stg.prefix, stg.env], [T, S, 'eastus', 'contoso', 'stg']);
  // With two deployments, the environment is no longer implied.
  await assert.rejects(runInit({}, c, nonInteractive), /--env is required when not running interactively/);
  // From a subfolder, the new file goes beside the others.
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(c.cwd, 'sub'));
  await runInit({ env: 'prd' }, { ...c, cwd: join(c.cwd, 'sub') }, nonInteractive);
  assert.deepEqual((await readdir(c.cwd)).sort(), ['mcp-obo.contoso-dev.json', 'mcp-obo.contoso-prd.json', 'mcp-obo.contoso-stg.json', 'sub']);
});

test('several deployments live side by side', async () => {
  const c = await ctx();
  await runInit(full, c, nonInteractive);
  await runInit({ ...full, env: 'prd', id: 'cd34' }, c, nonInteractive);
  assert.deepEqual((await readdir(c.cwd)).sort(), ['mcp-obo.contoso-dev.json', 'mcp-obo.contoso-prd.json']);
});

test('a corrupt deployment file is a clear error', async () => {
  const c = await ctx();
  await writeFile(join(c.cwd, 'mcp-obo.contoso-dev.json'), '{"version":1,"id":"x"}');
  await assert.rejects(runInit(full, c, nonInteractive), /deployment file .* is not valid/);
});
