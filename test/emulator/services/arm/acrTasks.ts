// ACR Tasks quick runs (2019-06-01-preview surface): build-source upload URL, scheduleRun with a
// DockerBuildRequest, runs (get, list, cancel) and the run log's SAS URL. Builds run in acrBuild.ts.
import { createHash } from 'node:crypto';
import { guid, isRecord } from '../../core/http.ts';
import { parseImageName } from '../../core/acrStore.ts';
import type { JsonObject } from '../../types.ts';
import { getResource } from './common.ts';
import { armError, invalidContent, resourceNotFound } from './errors.ts';
import { type ACtx, type ArmRoutes, RG } from './index.ts';
import { RUNS_TYPE, runBuild } from './acrBuild.ts';

const TYPE = 'Microsoft.ContainerRegistry/registries';
const RUN_REQUEST_TYPES = ['DockerBuildRequest', 'FileTaskRunRequest', 'TaskRunRequest', 'EncodedTaskRunRequest'];

/** The storage account that holds a registry's build sources and run logs (stable per registry). */
export function storageAccount(registryId: string): string {
  return `acrtask${createHash('sha256').update(registryId.toLowerCase()).digest('hex').slice(0, 12)}`;
}

const stamp = (d = new Date()): string => d.toISOString().slice(0, 16).replace(/[-:T]/g, '');
const logPath = (runId: string): string => `logs/${runId}/rawtext.log`;

function registryOf(a: ACtx): JsonObject {
  return getResource(a, a.m[0]!, TYPE, a.m[1]!);
}

function runOf(a: ACtx): JsonObject {
  const reg = registryOf(a);
  const run = a.inv.get(`${String(reg.id)}/runs/${a.m[2]!}`);
  if (!run) throw resourceNotFound(RUNS_TYPE, `${String(reg.name)}/${a.m[2]!}`, a.m[0]!);
  return run;
}

/** The uploaded relativePath (or upload URL) a sourceLocation names, for this registry. */
function sourceOf(a: ACtx, reg: JsonObject, loc: unknown): { account: string; path: string } {
  if (typeof loc !== 'string' || loc === '') throw invalidContent('sourceLocation is required');
  const uploads = a.env.acr.uploads.get(String(reg.id).toLowerCase());
  const m = /\/_blob\/[^/]+\/([^?]+)/.exec(loc);
  const found = uploads?.get(m ? decodeURIComponent(m[1]!) : loc);
  if (!found) {
    throw armError(400, 'InvalidSourceLocation', `The source location '${loc}' is not valid. Use the relativePath returned by listBuildSourceUploadUrl for registry '${String(reg.name)}', after uploading the archive to its uploadUrl.`);
  }
  return found;
}

function scheduleRun(a: ACtx): void {
  const reg = registryOf(a);
  const regId = String(reg.id);
  a.authorize(`${TYPE}/scheduleRun/action`, regId, TYPE);
  if (a.env.acr.tasksNotAllowed) {
    throw armError(400, 'TasksOperationsNotAllowed', `ACR Tasks requests for the registry ${String(reg.name)} and ${a.sub} are not permitted. Please file an Azure support request at http://aka.ms/azuresupport for assistance.`);
  }
  const b = a.body();
  if (typeof b.type !== 'string' || !RUN_REQUEST_TYPES.includes(b.type)) throw invalidContent(`type must be one of ${RUN_REQUEST_TYPES.join(', ')}`);
  if (b.type !== 'DockerBuildRequest') throw armError(400, 'UnsupportedRunRequest', `The emulator runs DockerBuildRequest only (got ${b.type}).`);
  if (typeof b.dockerFilePath !== 'string' || b.dockerFilePath === '') throw invalidContent('dockerFilePath is required');
  const platform = isRecord(b.platform) ? b.platform : undefined;
  if (!platform || typeof platform.os !== 'string') throw invalidContent('platform.os is required');
  if (platform.os.toLowerCase() !== 'linux') throw armError(400, 'InvalidParameter', `The platform OS '${platform.os}' is not supported by the emulator; use Linux.`);
  const timeout = b.timeout ?? 3600;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 300 || timeout > 28800) throw armError(400, 'InvalidParameter', `The timeout '${String(timeout)}' must be between 300 and 28800 seconds.`);
  const imageNames = b.imageNames ?? [];
  if (!Array.isArray(imageNames) || imageNames.some((n) => typeof n !== 'string' || !parseImageName(n) || parseImageName(n)!.digest)) {
    throw armError(400, 'InvalidParameter', `The image names '${JSON.stringify(imageNames)}' are invalid: use 'repository[:tag]' in lower case, without the registry.`);
  }
  const isPushEnabled = b.isPushEnabled ?? true;
  if (typeof isPushEnabled !== 'boolean') throw invalidContent('isPushEnabled must be a boolean');
  if (isPushEnabled && imageNames.length === 0) throw armError(400, 'InvalidParameter', 'At least one image name is required when push is enabled.');
  const buildArgs: Record<string, string> = {};
  for (const arg of Array.isArray(b.arguments) ? b.arguments : []) if (isRecord(arg) && typeof arg.name === 'string') buildArgs[arg.name] = String(arg.value ?? '');
  const source = sourceOf(a, reg, b.sourceLocation);
  const runId = a.env.acr.nextRunId(regId);
  const now = new Date().toISOString();
  const run: JsonObject = {
    properties: {
      runId, status: 'Queued', lastUpdatedTime: now, runType: 'QuickRun', createTime: now, outputImages: null, task: null, imageUpdateTrigger: null, sourceTrigger: null,
      platform: { os: 'linux', architecture: typeof platform.architecture === 'string' ? platform.architecture : 'amd64', variant: null }, agentConfiguration: { cpu: 2 },
      sourceRegistryAuth: null, customRegistries: [], provisioningState: 'Succeeded', isArchiveEnabled: b.isArchiveEnabled === true, runErrorMessage: null,
    },
    id: `${regId}/runs/${runId}`, name: runId, type: RUNS_TYPE,
  };
  a.inv.put(run);
  const account = storageAccount(regId);
  a.env.blobs.createAppend(account, logPath(runId));
  const contents = a.env.acr.contents(regId, String(reg.name), String((reg.properties as JsonObject).loginServer));
  const failWith = a.env.acr.failNextBuild;
  a.env.acr.failNextBuild = undefined;
  void runBuild({
    env: { timing: a.env.timing, blobs: a.env.blobs, acr: a.env.acr, alive: () => a.inv.get(String(run.id)) === run },
    run, contents, log: { account, path: logPath(runId) }, source, imageNames: imageNames as string[], isPushEnabled, dockerFilePath: b.dockerFilePath,
    buildArgs, timeoutSec: timeout, failWith,
  });
  a.send(200, run);
}

export function registerAcrTasks(routes: ArmRoutes): void {
  const reg = `${RG}/providers/Microsoft\\.ContainerRegistry/registries/([^/]+)`;

  routes.on('POST', `${reg}/listBuildSourceUploadUrl`, `${TYPE}/listBuildSourceUploadUrl`, (a) => {
    const r = registryOf(a);
    a.authorize(`${TYPE}/listBuildSourceUploadUrl/action`, String(r.id), TYPE);
    const relativePath = `source/${stamp()}/${guid()}.tar.gz`;
    const account = storageAccount(String(r.id));
    const uploadUrl = a.env.blobs.issue(account, relativePath, 'cw');
    const key = String(r.id).toLowerCase();
    const uploads = a.env.acr.uploads.get(key) ?? new Map<string, { account: string; path: string }>();
    uploads.set(relativePath, { account, path: relativePath });
    a.env.acr.uploads.set(key, uploads);
    a.send(200, { uploadUrl, relativePath });
  });

  routes.on('POST', `${reg}/scheduleRun`, `${TYPE}/scheduleRun`, scheduleRun);

  routes.on('GET', `${reg}/runs`, RUNS_TYPE, (a) => {
    const r = registryOf(a);
    const runs = a.inv.below(String(r.id)).filter((x) => x.type === RUNS_TYPE).reverse();
    const top = Number(a.ctx.query.get('$top') ?? runs.length);
    a.send(200, { value: runs.slice(0, Number.isInteger(top) && top > 0 ? top : runs.length) });
  });

  routes.on('GET', `${reg}/runs/([^/]+)`, RUNS_TYPE, (a) => a.send(200, runOf(a)));

  routes.on('POST', `${reg}/runs/([^/]+)/listLogSasUrl`, `${RUNS_TYPE}/listLogSasUrl`, (a) => {
    const run = runOf(a);
    const r = registryOf(a);
    const link = a.env.blobs.issue(storageAccount(String(r.id)), logPath(String(run.name)), 'r');
    // RunGetLogResult has logLink (the append blob) and logArtifactLink ("the link to logs in registry"); az acr build
    // reads the artifact link whole when it is set, else streams the blob (Azure/azure-cli acr/_stream_utils.py,
    // stream_logs). With logsInRegistry the emulator gives the artifact link only (served from the same log here).
    a.send(200, a.env.acr.logsInRegistry ? { logArtifactLink: link } : { logLink: link });
  });

  routes.on('POST', `${reg}/runs/([^/]+)/cancel`, `${RUNS_TYPE}/cancel`, (a) => {
    const props = runOf(a).properties as JsonObject;
    if (props.status === 'Queued' || props.status === 'Running' || props.status === 'Started') props.status = 'Canceled';
    a.send(200);
  });
}

/** Side effects of a registry leaving the inventory: its images, uploads and logs go too. */
export function registryRemoved(a: ACtx, r: JsonObject): void {
  if (r.type !== TYPE) return;
  a.env.acr.remove(String(r.id));
  a.env.blobs.removePrefix(storageAccount(String(r.id)), '');
}

