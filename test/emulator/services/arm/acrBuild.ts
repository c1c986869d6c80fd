// An ACR Tasks quick build (DockerBuildRequest): reads the uploaded context, walks the Dockerfile as the
// classic builder would, writes the run log progressively, then pushes the images (or fails the run).
import type { AcrImage, AcrStore, RegistryContents } from '../../core/acrStore.ts';
import { parseImageName } from '../../core/acrStore.ts';
import type { BlobStore } from '../../core/blobs.ts';
import { DockerfileError, finalImageConfig, globalArgs, type ImageConfig, parseDockerfile, substitute, words } from '../../core/dockerfile.ts';
import type { Timing } from '../../core/timing.ts';
import { applyDockerignore, ArchiveError, contextHas, normPath, readTarGz } from '../../core/tar.ts';
import type { JsonObject } from '../../types.ts';
import { type BaseImage, resolveBase } from './acrBase.ts';
import { failureLines, headerLines, hex, missingCopySource, type PushedImage, pushLines, sha, stamp, stepLines, successLines } from './acrLog.ts';

export const RUNS_TYPE = 'Microsoft.ContainerRegistry/registries/runs';
const DOWNLOAD_FAILED = 'failed to download context. Please check if the URL is incorrect. If it has credentials, please check if they are expired';

export interface BuildJob {
  env: { timing: Timing; blobs: BlobStore; acr: AcrStore; alive(): boolean };
  run: JsonObject;
  contents: RegistryContents;
  log: { account: string; path: string };
  source: { account: string; path: string };
  imageNames: string[];
  isPushEnabled: boolean;
  dockerFilePath: string;
  buildArgs: Record<string, string>;
  timeoutSec: number;
  /** failNextBuild: fail at the first RUN step with this output. */
  failWith: string | undefined;
}

type Plan = { chunks: string[][]; error: string } | { chunks: string[][]; error?: undefined; images: PushedImage[]; config: ImageConfig; base: BaseImage | undefined; files: AcrImage['files'] };

/** Everything the run will print, and its outcome, decided up front from the context. */
function plan(job: BuildJob): Plan {
  const ls = job.contents.loginServer;
  const blob = job.env.blobs.get(job.source.account, job.source.path);
  const download = stamp('Downloading source code...');
  if (!blob) return { chunks: [[download, `${DOWNLOAD_FAILED}: BlobNotFound: The specified blob does not exist.`]], error: DOWNLOAD_FAILED };
  let entries;
  try {
    entries = readTarGz(blob.data);
  } catch (e) {
    if (!(e instanceof ArchiveError)) throw e;
    const error = `failed to extract the source archive: ${e.message}`;
    return { chunks: [[download, error]], error };
  }
  const head = headerLines(ls, job.timeoutSec, blob.data.length);
  const scanIdx = head.findIndex((l) => l.endsWith('Scanning for dependencies...'));
  const dfPath = normPath(job.dockerFilePath);
  const df = entries.find((e) => e.path === dfPath && e.type === 'file');
  let ins;
  try {
    if (!df) throw new DockerfileError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat /workspace/${dfPath}: no such file or directory`);
    ins = parseDockerfile(df.data.toString('utf8'));
  } catch (e) {
    if (!(e instanceof DockerfileError)) throw e;
    const error = `failed to scan dependencies: ${e.message}`;
    return { chunks: [head.slice(0, scanIdx + 1), [stamp(error)]], error };
  }
  const context = applyDockerignore(entries);
  const vars = globalArgs(ins, job.buildArgs);
  const stages = new Set<string>();
  const chunks: string[][] = [head];
  const firstRun = ins.findIndex((i) => i.cmd === 'RUN');
  const failAt = job.failWith === undefined ? -1 : firstRun === -1 ? ins.length - 1 : firstRun;
  let base: BaseImage | undefined;
  for (const [n, i] of ins.entries()) {
    let pulled: { ref: string; base: BaseImage } | undefined;
    if (i.cmd === 'FROM') {
      const w = words(i.args).filter((x) => !x.startsWith('--'));
      const ref = substitute(w[0] ?? '', vars);
      if (!stages.has(ref.toLowerCase())) {
        const resolved = resolveBase(ref, { acr: job.env.acr, contents: job.contents });
        if ('error' in resolved) {
          chunks.push([`Step ${n + 1}/${ins.length} : ${i.cmd} ${i.args}`, `Error response from daemon: ${resolved.error}`]);
          return { chunks, error: 'failed during run, err: exit status 1' };
        }
        pulled = { ref, base: resolved };
        base = resolved;
      }
      if (w[1]?.toUpperCase() === 'AS' && w[2]) stages.add(w[2].toLowerCase());
    }
    const lines = stepLines(i, n + 1, ins.length, pulled);
    const missing = missingCopySource(i, vars, (s) => contextHas(context, s));
    if (missing !== undefined) {
      chunks.push([lines[0]!, `${i.cmd} failed: file not found in build context or excluded by .dockerignore: stat ${normPath(missing)}: file does not exist`]);
      return { chunks, error: 'failed during run, err: exit status 1' };
    }
    if (n === failAt) {
      const shown = i.cmd === 'RUN' ? `/bin/sh -c ${i.args}` : `${i.cmd} ${i.args}`;
      chunks.push([...lines.slice(0, 2), ...job.failWith!.split(/\r?\n/), `The command '${shown}' returned a non-zero code: 1`]);
      return { chunks, error: 'failed during run, err: exit status 1' };
    }
    chunks.push(lines);
  }
  const digest = `sha256:${sha(blob.data, String(job.run.name), ls)}`;
  const images = job.imageNames.map((name) => {
    const p = parseImageName(name)!;
    return { registry: ls, repository: p.repository, tag: p.tag ?? 'latest', digest };
  });
  chunks.push([`Successfully built ${hex(12)}`, ...images.map((im) => `Successfully tagged ${ls}/${im.repository}:${im.tag}`), stamp('Successfully executed container: build')]);
  if (job.isPushEnabled && images.length > 0) chunks.push(pushLines(images));
  const config = finalImageConfig(ins);
  return { chunks, images, config, base, files: copiedContext(ins, context, config.workdir) };
}

/** The context files the final stage copies whole (`COPY . <dest>`, from the context), and where they land. */
function copiedContext(ins: ReturnType<typeof parseDockerfile>, context: ReturnType<typeof applyDockerignore>, workdir: string): AcrImage['files'] {
  const last = ins.map((i) => i.cmd).lastIndexOf('FROM');
  const copy = ins.slice(last + 1).find((i) => i.cmd === 'COPY' && !/--from/.test(i.args) && /^\.\/?\s/.test(i.args.trim()));
  if (!copy) return undefined;
  const dest = words(copy.args).at(-1)!;
  const dir = dest === '.' || dest === './' ? workdir : dest.startsWith('/') ? dest.replace(/\/$/, '') : `${workdir.replace(/\/$/, '')}/${dest.replace(/\/$/, '')}`;
  return { dir, entries: context.filter((e) => e.type === 'file').map((e) => ({ path: e.path, data: e.data })) };
}

const iso = (): string => new Date().toISOString();

/**
 * Append a chunk of the log as the agent does, as bytes arrive: a chunk with non-ASCII text goes in two appends
 * split inside a multi-byte character, the second once a reader has seen the first (or after 3 s). Clients meet
 * such partial characters in Azure: `az acr build` reads byte ranges and decodes only up to the last CRLF
 * (Azure/azure-cli src/azure-cli/azure/cli/command_modules/acr/_stream_utils.py, _stream_logs).
 */
async function write(job: BuildJob, lines: string[]): Promise<void> {
  const { blobs } = job.env;
  const bytes = Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');
  const lead = bytes.findIndex((b) => b >= 0xc0); // the first byte of a multi-byte character
  if (lead === -1) return blobs.append(job.log.account, job.log.path, bytes);
  blobs.append(job.log.account, job.log.path, bytes.subarray(0, lead + 1));
  const blob = blobs.get(job.log.account, job.log.path)!;
  const seen = blob.reads;
  for (const until = Date.now() + 3000; blob.reads === seen && Date.now() < until && job.env.alive();) await new Promise((r) => setTimeout(r, 20));
  blobs.append(job.log.account, job.log.path, bytes.subarray(lead + 1));
}

/** Queued -> Running -> Succeeded | Failed | Canceled over the latency of RUNS_TYPE, the log growing meanwhile. */
export async function runBuild(job: BuildJob): Promise<void> {
  const { env, run } = job;
  const props = run.properties as JsonObject;
  const total = env.timing.latency(RUNS_TYPE);
  const t0 = Date.now();
  await env.timing.sleep(Math.round(total * 0.1));
  if (!env.alive() || props.status === 'Canceled') return finishCanceled(job);
  Object.assign(props, { status: 'Running', startTime: iso(), lastUpdatedTime: iso() });
  const p = plan(job);
  const gap = Math.round((total * 0.85) / p.chunks.length);
  for (const chunk of p.chunks) {
    if (!env.alive()) return;
    if (props.status === 'Canceled') return finishCanceled(job);
    await write(job, chunk);
    await env.timing.sleep(gap);
  }
  if (!env.alive()) return;
  if (props.status === 'Canceled') return finishCanceled(job);
  const elapsed = (Date.now() - t0) / 1000;
  if (p.error !== undefined) {
    await write(job, failureLines(String(run.name), elapsed, p.error));
    Object.assign(props, { status: 'Failed', runErrorMessage: p.error, finishTime: iso(), lastUpdatedTime: iso() });
    env.blobs.setMetadata(job.log.account, job.log.path, { Complete: 'failed' });
    return;
  }
  const pushed = job.isPushEnabled && p.images.length > 0;
  if (pushed) for (const im of p.images) env.acr.push(job.contents, { repository: im.repository, tag: im.tag, digest: im.digest, runId: String(run.name), config: p.config, ...(p.files ? { files: p.files } : {}) });
  await write(job, successLines(String(run.name), p.images, pushed, elapsed, p.base));
  Object.assign(props, { status: 'Succeeded', outputImages: pushed ? p.images : [], finishTime: iso(), lastUpdatedTime: iso() });
  env.blobs.setMetadata(job.log.account, job.log.path, { Complete: 'successful' });
}

function finishCanceled(job: BuildJob): void {
  if (!job.env.alive()) return;
  const props = job.run.properties as JsonObject;
  job.env.blobs.append(job.log.account, job.log.path, `${stamp(`Run ID: ${String(job.run.name)} was canceled`)}\r\n`);
  Object.assign(props, { status: 'Canceled', finishTime: iso(), lastUpdatedTime: iso() });
  job.env.blobs.setMetadata(job.log.account, job.log.path, { Complete: 'canceled' });
}
