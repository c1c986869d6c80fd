/**
 * The image of a deploy: reused when the running one was built from the same context (unchanged.ts),
 * else built remotely or locally. The build log is shown only with --verbose; otherwise one short
 * progress line (redrawn on a terminal, cut to its width), and on failure the end of the log, which
 * the build's error carries.
 */
import type { CliContext } from '../cli/context.ts';
import { columnsOf, fit } from '../cli/width.ts';
import { explain } from '../azure/errors.ts';
import { McpOboError } from '../errors.ts';
import type { Connection } from '../provision/connect.ts';
import { imageTag, type BuildContext } from './context.ts';
import { localBuild, type Exec } from './local-build.ts';
import { remoteBuild } from './remote-build.ts';
import { buildKey, runningBuild, type Running } from './unchanged.ts';

export interface ImageInput {
  conn: Connection;
  ctx: CliContext;
  exec: Exec;
  context: BuildContext;
  build: 'remote' | 'local';
  buildArgs?: Record<string, string>;
  resourceGroup: string;
  registry: string;
  containerApp: string;
  tenantId: string;
  loginServer: string;
  force: boolean;
  verbose: boolean;
  json: boolean;
  status: (m: string) => void;
}

export type ImagePlan = { kind: 'unchanged'; key: string; running: Running } | { kind: 'build'; key: string; image: string; why: string };

/** What the deploy would do about the image, reading only. */
export async function planImage(i: Omit<ImageInput, 'exec'>): Promise<ImagePlan> {
  const key = buildKey(i.context.digest, i.buildArgs);
  const running = i.force ? undefined : await runningBuild(i.conn.azure, i.resourceGroup, i.containerApp, key, i.loginServer);
  if (running) return { kind: 'unchanged', key, running };
  const image = `${i.loginServer}/mcp-obo:${imageTag(i.context.digest, new Date(i.conn.clock.now()))}`;
  return { kind: 'build', key, image, why: i.force ? '--force' : 'the running image was not built from this context' };
}

/** Builds the planned image (or keeps the running one); returns the image reference. */
export async function provideImage(i: ImageInput, plan: ImagePlan): Promise<string> {
  if (plan.kind === 'unchanged') {
    i.status(`unchanged: ${plan.running.image} was built from this context; nothing to build (--force rebuilds)`);
    return plan.running.image;
  }
  const { context, conn } = i;
  const imageName = plan.image.slice(i.loginServer.length + 1);
  i.status(`building ${plan.image} (${context.files.length} files, ${(context.archive.length / 1024).toFixed(0)} KiB context, ${i.build === 'remote' ? 'in the registry' : 'with local Docker'})`);
  const started = conn.clock.now();
  const line = liveLine(i);
  try {
    const image =
      i.build === 'remote'
        ? await remoteBuild({ azure: conn.azure, clock: conn.clock, resourceGroup: i.resourceGroup, registry: i.registry, loginServer: i.loginServer, imageName, context, buildArgs: i.buildArgs, onLog: line.onLog })
        : await localBuild({ exec: i.exec, credential: conn.azure.credential, cloud: conn.cloud, tenantId: i.tenantId, loginServer: i.loginServer, imageName, context, buildArgs: i.buildArgs, onLog: line.onLog });
    line.clear();
    i.status(`built ${image} in ${((conn.clock.now() - started) / 1000).toFixed(1)} s${i.verbose || i.json ? '' : ' (the build log: --verbose)'}`);
    return image;
  } catch (err) {
    line.clear();
    throw err instanceof McpOboError ? err : explain(err, { action: 'building the image' });
  }
}

/** The build log: whole with --verbose; else, on a terminal, its latest line redrawn in place. */
function liveLine(i: ImageInput): { onLog: (text: string) => void; clear: () => void } {
  if (i.json) return { onLog: () => {}, clear: () => {} };
  if (i.verbose) return { onLog: (text) => void i.ctx.stderr.write(text), clear: () => {} };
  const columns = i.ctx.isTTY ? columnsOf(i.ctx.stderr) : undefined;
  if (!columns) return { onLog: () => {}, clear: () => {} };
  let shown = false;
  return {
    onLog(text) {
      const last = text.split('\n').map((l) => l.replace(/\r/g, '').trim()).filter(Boolean).at(-1);
      if (!last) return;
      i.ctx.stderr.write(`\r\x1b[2K${fit(`  … ${last}`, columns)}`);
      shown = true;
    },
    clear() {
      if (shown) i.ctx.stderr.write('\r\x1b[2K');
    },
  };
}
