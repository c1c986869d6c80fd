// The text of an ACR Tasks quick-build log: Go-log timestamps around the classic Docker builder's
// output, the push step, the dependency report and the "Run ID" verdict (CRLF line ends, as az reads them).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { copyArgs, type Instruction, substitute } from '../../core/dockerfile.ts';
import type { BaseImage } from './acrBase.ts';

/** `2024/05/20 12:34:56` (Go's log package). */
export const goTime = (d = new Date()): string => d.toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/');
export const stamp = (line: string): string => `${goTime()} ${line}`;
export const hex = (n: number): string => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
export const sha = (...parts: Array<string | Buffer>): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

export function headerLines(loginServer: string, timeoutSec: number, contextBytes: number): string[] {
  return [
    stamp('Downloading source code...'), stamp('Finished downloading source code'), stamp(`Using acb_vol_${randomUUID()} as the home volume`),
    stamp('Setting up Docker configuration...'), stamp('Successfully set up Docker configuration'), stamp(`Logging in to registry: ${loginServer}`),
    stamp(`Successfully logged into ${loginServer}`), stamp(`Executing step ID: build. Timeout(sec): ${timeoutSec}, Working directory: '', Network: ''`),
    stamp('Scanning for dependencies...'), stamp('Successfully scanned dependencies'), stamp('Launching container with name: build'),
    `Sending build context to Docker daemon  ${(contextBytes / 1024).toFixed(2)}kB`, '',
  ];
}

/** The lines one Dockerfile instruction prints in the classic builder (`pulled`: a FROM's base image). */
export function stepLines(i: Instruction, n: number, total: number, pulled?: { ref: string; base: BaseImage }): string[] {
  const out = [`Step ${n}/${total} : ${i.cmd} ${i.args}`];
  const container = (): string[] => {
    const id = hex(12);
    return [` ---> Running in ${id}`, `Removing intermediate container ${id}`];
  };
  if (i.cmd === 'FROM') {
    if (pulled) out.push(`${pulled.base.tag || pulled.base.digest}: Pulling from ${pulled.base.repository}`, `${hex(12)}: Pull complete`, `Digest: ${pulled.base.digest}`, `Status: Downloaded newer image for ${pulled.ref}`);
  } else if (i.cmd === 'RUN' || i.cmd === 'ENV' || i.cmd === 'CMD' || i.cmd === 'ENTRYPOINT' || i.cmd === 'EXPOSE' || i.cmd === 'USER' || i.cmd === 'WORKDIR') {
    out.push(...container());
  }
  out.push(` ---> ${hex(12)}`);
  return out;
}

/** A COPY/ADD source missing from the context (after .dockerignore), or undefined. */
export function missingCopySource(i: Instruction, vars: Record<string, string>, has: (src: string) => boolean): string | undefined {
  if (i.cmd !== 'COPY' && i.cmd !== 'ADD') return undefined;
  const { flags, sources } = copyArgs(i.args);
  if (flags.from !== undefined) return undefined;
  return sources.map((s) => substitute(s, vars)).find((s) => !/^https?:\/\//.test(s) && !has(s));
}

export interface PushedImage {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

export function pushLines(images: PushedImage[]): string[] {
  const out = [stamp("Executing step ID: push. Timeout(sec): 3600, Working directory: '', Network: ''")];
  for (const im of images) {
    const layers = [hex(12), hex(12), hex(12)];
    out.push(stamp(`Pushing image: ${im.registry}/${im.repository}:${im.tag}, attempt 1`), `The push refers to repository [${im.registry}/${im.repository}]`);
    out.push(...layers.map((l) => `${l}: Preparing`), ...layers.map((l) => `${l}: Pushed`));
    out.push(`${im.tag}: digest: ${im.digest} size: ${1570 + (parseInt(im.digest.slice(7, 10), 16) % 500)}`, stamp(`Successfully pushed image: ${im.registry}/${im.repository}:${im.tag}`));
  }
  return out;
}

export function successLines(runId: string, images: PushedImage[], pushed: boolean, elapsedSec: number, base: BaseImage | undefined): string[] {
  const out = [stamp(`Step ID: build marked as successful (elapsed time in seconds: ${(elapsedSec * 0.7).toFixed(6)})`)];
  out.push(stamp('Populating digests for step ID: build...'), stamp('Successfully populated digests for step ID: build'));
  if (pushed) out.push(stamp(`Step ID: push marked as successful (elapsed time in seconds: ${(elapsedSec * 0.3).toFixed(6)})`));
  out.push(stamp('The following dependencies were found:'), stamp(''));
  for (const im of images) {
    out.push('- image:', `    registry: ${im.registry}`, `    repository: ${im.repository}`, `    tag: ${im.tag}`, `    digest: ${im.digest}`, '  runtime-dependency:',
      ...(base ? [`    registry: ${base.registry}`, `    repository: ${base.repository}`, `    tag: ${base.tag}`, `    digest: ${base.digest}`] : []), '  git: {}');
  }
  out.push('', `Run ID: ${runId} was successful after ${Math.max(1, Math.round(elapsedSec))}s`);
  return out;
}

export function failureLines(runId: string, elapsedSec: number, error: string): string[] {
  return [stamp('Container failed during run: build. No retries remaining.'), `failed to run step ID: build: exit status 1`, '',
    `Run ID: ${runId} failed after ${Math.max(1, Math.round(elapsedSec))}s. Error: ${error}`];
}
