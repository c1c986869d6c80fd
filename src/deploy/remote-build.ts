/**
 * Building the image in the deployment's registry with ACR Tasks, as `az acr build` does: upload
 * the context to the registry's upload URL, schedule a Docker build run, follow its log (build-log.ts),
 * and fail with the log's tail when the build fails. No local Docker needed.
 */
import type { Clock } from '../clock.ts';
import type { AzureClients } from '../azure/clients.ts';
import { codeOf } from '../azure/errors.ts';
import { McpOboError } from '../errors.ts';
import type { BuildContext } from './context.ts';
import { BlobLogReader, type LogLinks, readArtifactLog } from './build-log.ts';

export interface RemoteBuildInput {
  azure: AzureClients;
  clock: Clock;
  resourceGroup: string;
  registry: string;
  loginServer: string;
  /** repository:tag, e.g. mcp-obo:20261126120000-abcdef123456 */
  imageName: string;
  context: BuildContext;
  /** Docker build arguments, e.g. NODE_IMAGE for --base-image. */
  buildArgs?: Record<string, string>;
  /** Streams the build log as it arrives (stderr). */
  onLog: (text: string) => void;
  fetch?: typeof fetch;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout']);

export async function remoteBuild(i: RemoteBuildInput): Promise<string> {
  const f = i.fetch ?? fetch;
  const acr = await i.azure.registry();
  const upload = await acr.registries.getBuildSourceUploadUrl(i.resourceGroup, i.registry);
  if (!upload.uploadUrl || !upload.relativePath) throw new McpOboError('the registry gave no upload URL for the build context');
  const put = await f(upload.uploadUrl, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2021-08-06', 'content-type': 'application/octet-stream', 'content-length': String(i.context.archive.length) },
    body: new Uint8Array(i.context.archive),
  });
  if (put.status !== 201) throw new McpOboError(`uploading the build context failed (HTTP ${put.status})`, { suggestion: 'Retry `mcp-obo deploy`; if it persists, check the registry in the portal.' });

  let run;
  try {
    run = await acr.registries.beginScheduleRunAndWait(
      i.resourceGroup,
      i.registry,
      {
        type: 'DockerBuildRequest',
        imageNames: [i.imageName],
        isPushEnabled: true,
        sourceLocation: upload.relativePath,
        dockerFilePath: i.context.dockerfile,
        platform: { os: 'Linux', architecture: 'amd64' },
        arguments: Object.entries(i.buildArgs ?? {}).map(([name, value]) => ({ name, value, isSecret: false })),
        timeout: 3600,
      },
      { updateIntervalInMs: i.azure.pollIntervalMs },
    );
  } catch (err) {
    if (codeOf(err) === 'TasksOperationsNotAllowed') {
      throw new McpOboError('this subscription does not allow ACR Tasks (remote builds), as on free trials', {
        suggestion: 'Build with your local Docker instead: `mcp-obo deploy --build local`, or deploy an existing image with `--image <ref>`.',
        cause: err,
      });
    }
    throw err;
  }
  const runId = run.runId;
  if (!runId) throw new McpOboError('the registry did not return a build run id');

  const links: LogLinks = await acr.runs.getLogSasUrl(i.resourceGroup, i.registry, runId);
  // As `az acr build`: the registry-kept log when there is one, else the append blob, followed live.
  const blob = links.logArtifactLink || !links.logLink ? undefined : new BlobLogReader(links.logLink, f);
  if (links.logArtifactLink) i.onLog(`(run ${runId}: the build log is kept in the registry; it is shown when the run ends)\n`);

  let status = run.status ?? 'Queued';
  for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
    const complete = await blob?.poll(i.onLog);
    const current = await acr.runs.get(i.resourceGroup, i.registry, runId);
    status = current.status ?? status;
    if (TERMINAL.has(status)) {
      if (blob && !complete) await blob.poll(i.onLog); // the last lines, written as the run ended
      break;
    }
    await i.clock.sleep(Math.min(wait, i.azure.pollIntervalMs * 10));
  }
  let log = blob?.text ?? '';
  if (links.logArtifactLink) {
    log = await readArtifactLog(links.logArtifactLink, f);
    if (log) i.onLog(log);
  }
  if (status !== 'Succeeded') {
    const tail = log.trimEnd().split('\n').slice(-30).join('\n');
    throw new McpOboError(`the image build ${status.toLowerCase()} (run ${runId})${tail ? `; the end of its log:\n${tail}` : ''}`, { suggestion: buildAdvice(log) });
  }
  return `${i.loginServer}/${i.imageName}`;
}

/** What to do about a failed build, by what its log says. */
export function buildAdvice(log: string): string {
  if (/toomanyrequests|pull rate limit/i.test(log)) {
    return 'Docker Hub refused an anonymous pull of the base image. Build FROM the Microsoft Artifact Registry mirror (the bundled Dockerfile does), ' +
      'or import the base image into your registry (`az acr import --name <registry> --source docker.io/library/node:24-bookworm-slim`) and pass `--base-image <registry>.azurecr.io/library/node@sha256:<digest>`.';
  }
  if (/manifest unknown|not found: manifest/i.test(log)) {
    return 'The base image (or its pinned digest) does not exist where the build looked: check --base-image, or refresh the Dockerfile\'s digest with `npm run base-image:pin`.';
  }
  return 'Fix the Dockerfile or build context, then rerun `mcp-obo deploy`.';
}
