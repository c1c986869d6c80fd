// The emulator's deploy surface, driven by the real SDK clients: ACR Tasks quick builds with blob
// upload and run logs, Container Apps that run the built server behind an HTTPS ingress, the log
// stream, and the device-code sign-in through msal-node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { OperationalInsightsManagementClient } from '@azure/arm-operationalinsights';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { PublicClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { copyArgs, parseDockerfile } from '../emulator/core/dockerfile.ts';
import { startEmulator, type Emulator } from '../emulator/index.ts';

const ARM_SCOPE = 'https://management.azure.com/.default';
const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const fast = { updateIntervalInMs: 10 };
const DIST_READY = existsSync(new URL('../../dist/cli/main.js', import.meta.url));
const NEEDS_DIST = DIST_READY ? false : 'dist/ is missing: run `npm run build` first (the emulated revision runs bin/mcp-obo serve)';
const DOCKERFILE = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const DOCKERIGNORE = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8');
/** What the repository's Dockerfile copies from the context (a file, or a folder with one file in it). */
const COPY_SOURCES = parseDockerfile(DOCKERFILE).filter((i) => i.cmd === 'COPY' && copyArgs(i.args).flags.from === undefined).flatMap((i) => copyArgs(i.args).sources);
const RG = 'rg-deploy';
const ACR = 'mcpobodeploy01';

let emu: Emulator;
let c: { res: ResourceManagementClient; la: OperationalInsightsManagementClient; aca: ContainerAppsAPIClient; acr: ContainerRegistryManagementClient; msi: ManagedServiceIdentityClient; auth: AuthorizationManagementClient };
let infra: { loginServer: string; envId: string; pullMi: { id: string; clientId: string }; noPullMi: { id: string; clientId: string } };

/** A gzip'd ustar archive, as a CLI packs a build context. */
function tarGz(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\x0000', 257);
    h.write(`${h.reduce((s, b) => s + b, 0).toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

/** The context the repository's Dockerfile needs, with its .dockerignore (as `mcp-obo deploy` packs it). */
function context(without?: string): Record<string, string> {
  const files: Record<string, string> = { Dockerfile: DOCKERFILE, '.dockerignore': DOCKERIGNORE };
  for (const src of COPY_SOURCES) if (src !== without) files[/\.\w+$/.test(src) ? src : `${src}/index.js`] = '{}\n';
  return files;
}
const CONTEXT = context();

async function upload(files: Record<string, string>): Promise<string> {
  const up = await c.acr.registries.getBuildSourceUploadUrl(RG, ACR);
  const body = tarGz(files);
  const res = await fetch(up.uploadUrl!, { method: 'PUT', body, headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2021-08-06' } });
  assert.equal(res.status, 201);
  return up.relativePath!;
}

async function build(sourceLocation: string, imageNames: string[]): Promise<{ status: string; runId: string; errorMessage?: string; log: Response; outputImages: unknown[] }> {
  const queued = await c.acr.registries.beginScheduleRunAndWait(RG, ACR, {
    type: 'DockerBuildRequest', imageNames, isPushEnabled: true, sourceLocation, dockerFilePath: 'Dockerfile', platform: { os: 'Linux', architecture: 'amd64' }, timeout: 3600,
  } as never, fast);
  assert.equal(queued.status, 'Queued');
  let run = queued;
  while (!['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout'].includes(run.status!)) {
    await new Promise((r) => setTimeout(r, 50));
    run = await c.acr.runs.get(RG, ACR, queued.runId!);
  }
  const { logLink } = await c.acr.runs.getLogSasUrl(RG, ACR, run.runId!);
  return { status: run.status!, runId: run.runId!, errorMessage: run.runErrorMessage, log: await fetch(logLink!), outputImages: run.outputImages ?? [] };
}

let built: Promise<Awaited<ReturnType<typeof build>>> | undefined;
/** The image mcp-obo:v1, built once (by whichever test needs it first). */
const builtImage = (): Promise<Awaited<ReturnType<typeof build>>> => (built ??= upload(CONTEXT).then((src) => build(src, ['mcp-obo:v1'])));

function appBody(image: string, mi: { id: string; clientId: string }, suffix: string): Record<string, unknown> {
  return {
    location: 'eastus', identity: { type: 'UserAssigned', userAssignedIdentities: { [mi.id]: {} } }, managedEnvironmentId: infra.envId,
    configuration: {
      activeRevisionsMode: 'Single', ingress: { external: true, targetPort: 8000, transport: 'auto' }, registries: [{ server: infra.loginServer, identity: mi.id }],
      secrets: [{ name: 'mcp-obo-facade-key', value: Buffer.alloc(32, 3).toString('base64') }],
    },
    template: {
      revisionSuffix: suffix,
      containers: [{
        name: 'mcp', image, resources: { cpu: 0.25, memory: '0.5Gi' }, probes: [{ type: 'Readiness', httpGet: { path: '/health', port: 8000 } }],
        env: [
          { name: 'AZURE_TENANT_ID', value: emu.tenantId }, { name: 'AZURE_CLIENT_ID', value: emu.serverApp.clientId }, { name: 'AZURE_MI_CLIENT_ID', value: mi.clientId },
          { name: 'MCP_OBO_FACADE_KEY', secretRef: 'mcp-obo-facade-key' },
        ],
      }],
      scale: { minReplicas: 1, maxReplicas: 1 },
    },
  };
}

/** The revision once it leaves Processing / Activating (the app's PUT returns before that). */
async function settled(app: string, revision: string): Promise<{ provisioningState?: string; runningState?: string; healthState?: string; active?: boolean; trafficWeight?: number }> {
  for (;;) {
    const rev = await c.aca.containerAppsRevisions.getRevision(RG, app, revision);
    if (!['Processing', 'Activating'].includes(rev.runningState!)) return rev;
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  emu = await startEmulator();
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caPem]);
  const cred = new ClientSecretCredential(emu.tenantId, emu.deployer.clientId, emu.deployer.clientSecret, { authorityHost: emu.url, disableInstanceDiscovery: true });
  const modular = { endpoint: emu.url, credentials: { scopes: [ARM_SCOPE] } };
  const classic = { endpoint: emu.url, credentialScopes: [ARM_SCOPE] };
  const sub = emu.subscriptionId;
  c = {
    res: new ResourceManagementClient(cred, sub, modular), la: new OperationalInsightsManagementClient(cred, sub, modular), aca: new ContainerAppsAPIClient(cred, sub, modular),
    acr: new ContainerRegistryManagementClient(cred, sub, classic), msi: new ManagedServiceIdentityClient(cred, sub, classic), auth: new AuthorizationManagementClient(cred, sub, classic),
  };
  await c.res.resourceGroups.createOrUpdate(RG, { location: 'eastus' });
  const ws = await c.la.workspaces.createOrUpdate(RG, 'deploy-logs', { location: 'eastus', sku: { name: 'PerGB2018' }, retentionInDays: 30 }, fast);
  const key = (await c.la.sharedKeys.getSharedKeys(RG, 'deploy-logs')).primarySharedKey!;
  const env = await c.aca.managedEnvironments.createOrUpdate(RG, 'deploy-env', { location: 'eastus', appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: ws.customerId!, sharedKey: key } } }, fast);
  const reg = await c.acr.registries.beginCreateAndWait(RG, ACR, { location: 'eastus', sku: { name: 'Basic' }, adminUserEnabled: false }, fast);
  const pullMi = await c.msi.userAssignedIdentities.createOrUpdate(RG, 'mi-pull', { location: 'eastus' });
  const noPullMi = await c.msi.userAssignedIdentities.createOrUpdate(RG, 'mi-nopull', { location: 'eastus' });
  await c.auth.roleAssignments.create(reg.id!.slice(1), randomUUID(), {
    roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`, principalId: pullMi.principalId!, principalType: 'ServicePrincipal',
  });
  infra = { loginServer: reg.loginServer!, envId: env.id!, pullMi: { id: pullMi.id!, clientId: pullMi.clientId! }, noPullMi: { id: noPullMi.id!, clientId: noPullMi.clientId! } };
});
after(() => emu.close());

describe('emulator ACR Tasks', () => {
  test('upload, scheduleRun, runs.get until Succeeded; the log blob completes; the image lands in the registry', async () => {
    const b = await builtImage();
    assert.equal(b.status, 'Succeeded');
    assert.match(b.runId, /^cb[0-9a-z]+$/);
    assert.equal(b.log.headers.get('x-ms-meta-complete'), 'successful');
    const text = await b.log.text();
    assert.match(text, /\r\nStep 1\/\d+ : (ARG|FROM) \S+/);
    assert.match(text, new RegExp(`Successfully tagged ${infra.loginServer}/mcp-obo:v1`));
    assert.match(text, /v1: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.match(text, new RegExp(`Run ID: ${b.runId} was successful after \\d+s`));
    const images = emu.acr.images(ACR);
    assert.deepEqual(images.map((i) => `${i.repository}:${i.tag}`), ['mcp-obo:v1']);
    assert.deepEqual(b.outputImages, [{ registry: infra.loginServer, repository: 'mcp-obo', tag: 'v1', digest: images[0]!.digest }]);
    assert.match(images[0]!.config.env.NODE_OPTIONS ?? '', /--max-old-space-size=\d+/); // the Dockerfile's ENV, for the replica
    assert.ok(Object.keys(emu.state().acr).includes(ACR));
  });

  test('blob rules: BlockBlob header, SAS signature, ranged reads of the log', async () => {
    const up = await c.acr.registries.getBuildSourceUploadUrl(RG, ACR);
    const noType = await fetch(up.uploadUrl!, { method: 'PUT', body: tarGz(CONTEXT) });
    assert.equal(noType.status, 400);
    assert.equal(noType.headers.get('x-ms-error-code'), 'MissingRequiredHeader');
    const badSig = await fetch(up.uploadUrl!.replace(/sig=[^&]+/, 'sig=forged'), { method: 'PUT', body: tarGz(CONTEXT), headers: { 'x-ms-blob-type': 'BlockBlob' } });
    assert.equal(badSig.status, 403);
    assert.match(await badSig.text(), /<Code>AuthenticationFailed<\/Code>/);
    const runs = await c.acr.runs.list(RG, ACR);
    const first = await runs.next();
    const { logLink } = await c.acr.runs.getLogSasUrl(RG, ACR, first.value.runId!);
    const head = await fetch(logLink!, { method: 'HEAD' });
    assert.equal(head.headers.get('x-ms-blob-type'), 'AppendBlob');
    const part = await fetch(logLink!, { headers: { range: 'bytes=0-9' } });
    assert.equal(part.status, 206);
    assert.match(part.headers.get('content-range')!, /^bytes 0-9\/\d+$/);
    assert.equal((await part.text()).length, 10);
  });

  test('a COPY source missing from the context fails the run, with the reason in the log', async () => {
    const dropped = COPY_SOURCES.at(-1)!;
    const b = await build(await upload(context(dropped)), ['mcp-obo:broken']);
    assert.equal(b.status, 'Failed');
    assert.equal(b.errorMessage, 'failed during run, err: exit status 1');
    assert.equal(b.log.headers.get('x-ms-meta-complete'), 'failed');
    assert.match(await b.log.text(), new RegExp(`COPY failed: file not found in build context or excluded by \\.dockerignore: stat ${dropped}: file does not exist`));
    emu.acr.failNextBuild('npm error code ERESOLVE');
    const f = await build(await upload(CONTEXT), ['mcp-obo:broken']);
    assert.equal(f.status, 'Failed');
    assert.match(await f.log.text(), /npm error code ERESOLVE\r\nThe command '\/bin\/sh -c .+' returned a non-zero code: 1\r\n/);
    assert.equal(emu.acr.images(ACR).some((i) => i.tag === 'broken'), false);
  });

  test('TasksOperationsNotAllowed and unknown sources are refused', async () => {
    const source = await upload(CONTEXT);
    emu.acr.tasksNotAllowed(true);
    const refused = await c.acr.registries.beginScheduleRunAndWait(RG, ACR, { type: 'DockerBuildRequest', imageNames: ['x:1'], sourceLocation: source, dockerFilePath: 'Dockerfile', platform: { os: 'Linux' } } as never, fast)
      .then(() => assert.fail('expected TasksOperationsNotAllowed'), (e: { code?: string; message: string }) => e);
    emu.acr.tasksNotAllowed(false);
    assert.equal(refused.code, 'TasksOperationsNotAllowed');
    assert.match(refused.message, new RegExp(`ACR Tasks requests for the registry ${ACR} and ${emu.subscriptionId} are not permitted\\. Please file an Azure support request at http://aka\\.ms/azuresupport for assistance\\.`));
    const unknown = await c.acr.registries.beginScheduleRunAndWait(RG, ACR, { type: 'DockerBuildRequest', imageNames: ['x:1'], sourceLocation: 'source/202601010000/nope.tar.gz', dockerFilePath: 'Dockerfile', platform: { os: 'Linux' } } as never, fast)
      .then(() => assert.fail('expected a 400'), (e: { statusCode?: number }) => e);
    assert.equal(unknown.statusCode, 400);
  });
});

describe('emulator Container Apps', () => {
  test('the built image runs behind the HTTPS ingress; a new revisionSuffix replaces the replica; the log stream serves its output', { skip: NEEDS_DIST }, async () => {
    assert.equal((await builtImage()).status, 'Succeeded');
    const image = `${infra.loginServer}/mcp-obo:v1`;
    const app = await c.aca.containerApps.createOrUpdate(RG, 'mcp-app', appBody(image, infra.pullMi, 'r1') as never, fast);
    assert.equal(app.provisioningState, 'Succeeded');
    assert.equal(app.latestRevisionName, 'mcp-app--r1');
    await settled('mcp-app', 'mcp-app--r1');
    assert.equal((await c.aca.containerApps.get(RG, 'mcp-app')).latestReadyRevisionName, 'mcp-app--r1');
    const fqdn = app.configuration!.ingress!.fqdn!;
    assert.match(fqdn, /^127\.0\.0\.1:\d+$/);
    const health = await fetch(`https://${fqdn}/health`);
    assert.equal(health.status, 200);
    const meta = (await (await fetch(`https://${fqdn}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string };
    assert.equal(meta.resource, `https://${fqdn}/mcp`);

    const rev1 = await c.aca.containerAppsRevisions.getRevision(RG, 'mcp-app', 'mcp-app--r1');
    assert.deepEqual([rev1.provisioningState, rev1.runningState, rev1.healthState, rev1.active], ['Provisioned', 'RunningAtMaxScale', 'Healthy', true]);
    const replicas = await c.aca.containerAppsRevisionReplicas.listReplicas(RG, 'mcp-app', 'mcp-app--r1');
    assert.equal(replicas.value.length, 1);
    assert.deepEqual([replicas.value[0]!.containers![0]!.name, replicas.value[0]!.containers![0]!.ready], ['mcp', true]);

    // The log stream, as `az containerapp logs show` reaches it.
    const { token } = await c.aca.containerApps.getAuthToken(RG, 'mcp-app');
    const base = app.eventStreamEndpoint!.slice(0, app.eventStreamEndpoint!.indexOf('/subscriptions/'));
    const url = `${base}/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/containerApps/mcp-app/revisions/mcp-app--r1/replicas/${replicas.value[0]!.name}/containers/mcp/logstream`;
    assert.equal((await fetch(`${url}?tailLines=10&follow=false&output=text`)).status, 401);
    const text = await (await fetch(`${url}?tailLines=50&follow=false&output=text`, { headers: { authorization: `Bearer ${token}` } })).text();
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{5} {2}Connecting to the container 'mcp'\.\.\.$/);
    assert.match(lines[1]!, /Successfully Connected to container: 'mcp' \[Revision: 'mcp-app--r1', Replica: 'mcp-app--r1-/);
    assert.ok(lines.some((l) => /^\S+Z \{"time":.*"event":"server\.listening"/.test(l)), text);
    const json = await (await fetch(`${url}?tailLines=50&follow=false&output=json`, { headers: { authorization: `Bearer ${token}` } })).text();
    const listening = json.trimEnd().split('\n').map((l) => JSON.parse(l) as { TimeStamp: string; Log: string }).find((l) => l.Log.includes('server.listening'));
    assert.match(listening!.TimeStamp, /\.\d{7}\+00:00$/);
    assert.match(json, /\\u0022event\\u0022/);

    // Follow: a request through the ingress shows up in the open stream.
    const ac = new AbortController();
    const follow = await fetch(`${url}?tailLines=0&follow=true&output=text`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
    const reader = follow.body!.getReader();
    await fetch(`https://${fqdn}/.well-known/oauth-protected-resource/mcp`);
    let seen = '';
    while (!/"event":"http\.request"/.test(seen)) {
      const { value, done } = await reader.read();
      assert.equal(done, false, `the followed stream ended early: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
    ac.abort();

    const next = await c.aca.containerApps.createOrUpdate(RG, 'mcp-app', appBody(image, infra.pullMi, 'r2') as never, fast);
    assert.equal(next.latestReadyRevisionName, 'mcp-app--r1', 'the PUT returns while r1 still takes the traffic');
    await settled('mcp-app', 'mcp-app--r2');
    assert.equal((await c.aca.containerApps.get(RG, 'mcp-app')).latestReadyRevisionName, 'mcp-app--r2');
    assert.equal((await fetch(`https://${fqdn}/health`)).status, 200);
    const revs = new Map<string, { active?: boolean; runningState?: string }>();
    for await (const r of c.aca.containerAppsRevisions.listRevisions(RG, 'mcp-app')) revs.set(r.name!, r);
    assert.deepEqual([revs.get('mcp-app--r1')!.active, revs.get('mcp-app--r1')!.runningState], [false, 'Stopped']);
    assert.deepEqual([revs.get('mcp-app--r2')!.active, revs.get('mcp-app--r2')!.runningState], [true, 'RunningAtMaxScale']);
    assert.equal((await c.aca.containerAppsRevisionReplicas.listReplicas(RG, 'mcp-app', 'mcp-app--r1')).value.length, 0);
    const same = await c.aca.containerApps.createOrUpdate(RG, 'mcp-app', appBody(image, infra.pullMi, 'r2') as never, fast);
    assert.equal(same.latestRevisionName, 'mcp-app--r2');
    assert.ok(emu.state().arm.some((r) => r.type === 'Microsoft.App/containerApps/revisions' && r.name === 'mcp-app--r2'));
  });

  test('an identity without AcrPull, or a missing tag, fails the revision as ACA reports it', async () => {
    assert.equal((await builtImage()).status, 'Succeeded');
    const image = `${infra.loginServer}/mcp-obo:v1`;
    await assert.rejects(c.aca.containerApps.createOrUpdate(RG, 'no-pull', appBody(image, infra.noPullMi, 'a1') as never, fast), /ContainerAppOperationError|UNAUTHORIZED/);
    const rev = await c.aca.containerAppsRevisions.getRevision(RG, 'no-pull', 'no-pull--a1');
    assert.equal(rev.provisioningState, 'Failed');
    assert.match(rev.provisioningError!, /UNAUTHORIZED: authentication required/);
    const noPull = await c.aca.containerApps.get(RG, 'no-pull');
    assert.equal(noPull.provisioningState, 'Failed');
    const unavailable = await fetch(`https://${noPull.configuration!.ingress!.fqdn}/health`);
    assert.deepEqual([unavailable.status, await unavailable.text()], [503, 'no healthy upstream']);
    await assert.rejects(c.aca.containerApps.createOrUpdate(RG, 'no-tag', appBody(`${infra.loginServer}/mcp-obo:nope`, infra.pullMi, 'a1') as never, fast), /MANIFEST_UNKNOWN: manifest tagged by "nope" is not found/);
    const invalid = appBody(image, infra.pullMi, 'a1');
    ((invalid.template as { containers: Array<{ resources: unknown }> }).containers[0]!).resources = { cpu: 0.3, memory: '0.5Gi' };
    await assert.rejects(c.aca.containerApps.createOrUpdate(RG, 'bad-size', invalid as never, fast), (e: { code?: string }) => e.code === 'ContainerAppInvalidResourceTotal');
  });

  test('a registry in ABAC mode refuses AcrPull; the Container Registry Repository Reader role pulls', async () => {
    assert.equal((await builtImage()).status, 'Succeeded');
    const image = `${infra.loginServer}/mcp-obo:v1`;
    const abac = await c.acr.registries.beginUpdateAndWait(RG, ACR, { roleAssignmentMode: 'AbacRepositoryPermissions' }, fast);
    assert.equal(abac.roleAssignmentMode, 'AbacRepositoryPermissions');
    try {
      await assert.rejects(c.aca.containerApps.createOrUpdate(RG, 'abac-pull', appBody(image, infra.pullMi, 'a1') as never, fast), /UNAUTHORIZED/);
      const mi = await c.msi.userAssignedIdentities.get(RG, 'mi-pull');
      await c.auth.roleAssignments.create(abac.id!.slice(1), randomUUID(), {
        roleDefinitionId: `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b93aa761-3e63-49ed-ac28-beffa264f7ac`, principalId: mi.principalId!, principalType: 'ServicePrincipal',
      });
      const ok = await c.aca.containerApps.createOrUpdate(RG, 'abac-pull', appBody(image, infra.pullMi, 'a2') as never, fast);
      assert.equal(ok.provisioningState, 'Succeeded');
    } finally {
      const back = await c.acr.registries.beginUpdateAndWait(RG, ACR, { roleAssignmentMode: 'LegacyRegistryPermissions' }, fast);
      assert.equal(back.roleAssignmentMode, 'LegacyRegistryPermissions');
    }
  });

  test('a container that exits before it is ready: the PUT succeeds, the revision ends ActivationFailed with the replica\'s details', { skip: NEEDS_DIST }, async () => {
    assert.equal((await builtImage()).status, 'Succeeded');
    const body = appBody(`${infra.loginServer}/mcp-obo:v1`, infra.pullMi, 'x1');
    const container = (body.template as { containers: Array<{ env: Array<{ name: string }> }> }).containers[0]!;
    container.env = container.env.filter((e) => e.name !== 'AZURE_TENANT_ID');
    const app = await c.aca.containerApps.createOrUpdate(RG, 'crashes', body as never, fast);
    assert.equal(app.provisioningState, 'Succeeded', 'Azure reports the update done before the revision runs');
    const rev = await settled('crashes', 'crashes--x1');
    assert.deepEqual([rev.provisioningState, rev.runningState, rev.healthState], ['Provisioned', 'ActivationFailed', 'Unhealthy']);
    const replicas = await c.aca.containerAppsRevisionReplicas.listReplicas(RG, 'crashes', 'crashes--x1');
    assert.match(replicas.value[0]!.runningStateDetails!, /terminated with exit code 2 before becoming ready/);
    assert.ok(!(await c.aca.containerApps.get(RG, 'crashes')).latestReadyRevisionName, 'no revision ever became ready');
    assert.match(emu.aca.logs('crashes', 'crashes--x1').join('\n'), /AZURE_TENANT_ID/);
  });

  test('min replicas 0: ScaledToZero once activated; a request through the ingress wakes it', { skip: NEEDS_DIST }, async () => {
    assert.equal((await builtImage()).status, 'Succeeded');
    const body = appBody(`${infra.loginServer}/mcp-obo:v1`, infra.pullMi, 'z1');
    (body.template as { scale: unknown }).scale = { minReplicas: 0, maxReplicas: 3 };
    const app = await c.aca.containerApps.createOrUpdate(RG, 'idle', body as never, fast);
    const rev = await settled('idle', 'idle--z1');
    assert.deepEqual([rev.provisioningState, rev.runningState, rev.active, rev.trafficWeight], ['Provisioned', 'ScaledToZero', true, 100]);
    assert.equal((await c.aca.containerApps.get(RG, 'idle')).latestReadyRevisionName, 'idle--z1');
    assert.equal((await c.aca.containerAppsRevisionReplicas.listReplicas(RG, 'idle', 'idle--z1')).value.length, 0);
    const health = await fetch(`https://${app.configuration!.ingress!.fqdn}/health`);
    assert.equal(health.status, 200, 'the request waited for a replica');
    assert.equal(health.headers.get('x-mcp-obo-revision'), 'idle--z1');
    assert.equal((await c.aca.containerAppsRevisions.getRevision(RG, 'idle', 'idle--z1')).runningState, 'Running');
  });

  test('a new revision that never becomes ready: the old one keeps 100% of the traffic', { skip: NEEDS_DIST }, async () => {
    assert.equal((await builtImage()).status, 'Succeeded');
    const app = await c.aca.containerApps.createOrUpdate(RG, 'keeps', appBody(`${infra.loginServer}/mcp-obo:v1`, infra.pullMi, 'k1') as never, fast);
    await settled('keeps', 'keeps--k1');
    emu.acr.pushImage(ACR, 'mcp-obo:refuses', { MAX_TOKEN_AGE_HOURS: '500' });
    const next = await c.aca.containerApps.createOrUpdate(RG, 'keeps', appBody(`${infra.loginServer}/mcp-obo:refuses`, infra.pullMi, 'k2') as never, fast);
    assert.equal(next.provisioningState, 'Succeeded');
    const rev = await settled('keeps', 'keeps--k2');
    assert.equal(rev.runningState, 'ActivationFailed');
    const now = await c.aca.containerApps.get(RG, 'keeps');
    assert.deepEqual([now.latestRevisionName, now.latestReadyRevisionName], ['keeps--k2', 'keeps--k1']);
    const old = await c.aca.containerAppsRevisions.getRevision(RG, 'keeps', 'keeps--k1');
    assert.deepEqual([old.active, old.trafficWeight, old.runningState], [true, 100, 'RunningAtMaxScale']);
    const health = await fetch(`https://${app.configuration!.ingress!.fqdn}/health`);
    assert.deepEqual([health.status, health.headers.get('x-mcp-obo-revision')], [200, 'keeps--k1']);
  });

  test('a new AcrPull assignment refuses pulls until it has propagated', async () => {
    assert.equal((await builtImage()).status, 'Succeeded');
    const mi = await c.msi.userAssignedIdentities.createOrUpdate(RG, 'mi-late', { location: 'eastus' });
    const reg = await c.acr.registries.get(RG, ACR);
    emu.aca.acrPullPropagation(60_000);
    try {
      await c.auth.roleAssignments.create(reg.id!.slice(1), randomUUID(), {
        roleDefinitionId: `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`, principalId: mi.principalId!, principalType: 'ServicePrincipal',
      });
      const body = appBody(`${infra.loginServer}/mcp-obo:v1`, { id: mi.id!, clientId: mi.clientId! }, 'p1');
      await assert.rejects(c.aca.containerApps.createOrUpdate(RG, 'late-pull', body as never, fast), /UNAUTHORIZED: authentication required/);
      emu.aca.acrPullPropagation(0);
      const ok = await c.aca.containerApps.createOrUpdate(RG, 'late-pull', appBody(`${infra.loginServer}/mcp-obo:v1`, { id: mi.id!, clientId: mi.clientId! }, 'p2') as never, fast);
      assert.equal(ok.provisioningState, 'Succeeded');
    } finally {
      emu.aca.acrPullPropagation(0);
    }
  });
});

describe('emulator long-running DELETE', () => {
  const gone = (e: { statusCode?: number }) => e.statusCode === 404;

  test('registry, environment and app: a failed delete restores the state it had; a delete of nothing is 204', async () => {
    await c.acr.registries.beginCreateAndWait(RG, 'mcpobodel01', { location: 'eastus', sku: { name: 'Basic' }, adminUserEnabled: false }, fast);
    emu.arm.failNextOperation('Microsoft.ContainerRegistry/registries');
    await assert.rejects(c.acr.registries.beginDeleteAndWait(RG, 'mcpobodel01', fast), /Emulated provisioning failure/);
    assert.equal((await c.acr.registries.get(RG, 'mcpobodel01')).provisioningState, 'Succeeded');
    await c.acr.registries.beginDeleteAndWait(RG, 'mcpobodel01', fast);
    await assert.rejects(c.acr.registries.get(RG, 'mcpobodel01'), gone);

    const ws = await c.la.workspaces.get(RG, 'deploy-logs');
    const key = (await c.la.sharedKeys.getSharedKeys(RG, 'deploy-logs')).primarySharedKey!;
    await c.aca.managedEnvironments.beginCreateOrUpdateAndWait(RG, 'del-env', { location: 'eastus', appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: ws.customerId!, sharedKey: key } } }, fast);
    await c.aca.managedEnvironments.beginDeleteAndWait(RG, 'del-env', fast);
    await assert.rejects(c.aca.managedEnvironments.get(RG, 'del-env'), gone);

    await assert.rejects(c.aca.containerApps.beginCreateOrUpdateAndWait(RG, 'del-app', appBody(`${infra.loginServer}/mcp-obo:nope`, infra.pullMi, 'd1') as never, fast));
    assert.equal((await c.aca.containerApps.get(RG, 'del-app')).provisioningState, 'Failed');
    emu.arm.failNextOperation('Microsoft.App/containerApps');
    await assert.rejects(c.aca.containerApps.beginDeleteAndWait(RG, 'del-app', fast), /Emulated provisioning failure/);
    assert.equal((await c.aca.containerApps.get(RG, 'del-app')).provisioningState, 'Failed', 'the state it had before, not Succeeded');
    await c.aca.containerApps.beginDeleteAndWait(RG, 'del-app', fast);
    await assert.rejects(c.aca.containerApps.get(RG, 'del-app'), gone);
    await c.aca.containerApps.beginDeleteAndWait(RG, 'del-app', fast);
  });
});

describe('emulator device code', () => {
  test('msal-node acquireTokenByDeviceCode gets a user token for the API; approval can wait', async () => {
    const pca = (): PublicClientApplication => new PublicClientApplication({ auth: { clientId: AZURE_CLI, authority: `${emu.url}/${emu.tenantId}`, knownAuthorities: [new URL(emu.url).host] } });
    const scopes = [`api://${emu.serverApp.clientId}/access_as_user`];
    emu.deviceCode.interval(0);
    let message = '';
    const r = await pca().acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (d) => void (message = d.message) });
    assert.match(message, new RegExp(`^To sign in, use a web browser to open the page ${emu.url}/devicelogin and enter the code [A-Z0-9]{9} to authenticate\\.$`));
    const claims = decodeJwt(r!.accessToken);
    assert.deepEqual([claims.aud, claims.scp, claims.oid, claims.azp], [emu.serverApp.clientId, 'access_as_user', emu.cliUser.oid, AZURE_CLI]);
    assert.equal(r!.account?.homeAccountId, `${emu.cliUser.oid}.${emu.tenantId}`);

    emu.deviceCode.autoApprove(false);
    emu.deviceCode.interval(1);
    const other = emu.addUser();
    const waited = await pca().acquireTokenByDeviceCode({
      scopes, deviceCodeCallback: (d) => void setTimeout(() => void fetch(`${emu.url}/_emulator/devicecode/${d.userCode}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: other.oid }) }), 300),
    });
    assert.equal(decodeJwt(waited!.accessToken).oid, other.oid);
    const polls = emu.requests.filter((q) => q.path.endsWith('/oauth2/v2.0/token') && (q.body as Record<string, string>).grant_type === 'device_code');
    assert.ok(polls.some((q) => q.status === 400), 'authorization_pending while not approved');
    emu.deviceCode.autoApprove(emu.cliUser);
    await assert.rejects(
      new PublicClientApplication({ auth: { clientId: randomUUID(), authority: `${emu.url}/${emu.tenantId}`, knownAuthorities: [new URL(emu.url).host] } }).acquireTokenByDeviceCode({ scopes, deviceCodeCallback: () => {} }),
      /unauthorized_client/,
    );
  });
});
