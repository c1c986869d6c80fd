/**
 * `npm run audit` (CI): known vulnerabilities in the production dependencies through `npm audit`,
 * and, whatever the advisory endpoint says, offline checks of the lock files we ship: the CLI's
 * (npm-shrinkwrap.json) and the image's (dist/image, from `npm run build`). When the advisory
 * endpoint cannot be reached it says so loudly and runs the offline checks only; `--strict` then fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Lock } from './image-deps.ts';

const REGISTRY = 'https://registry.npmjs.org/';
/** Production packages allowed to run install scripts (none today; the image installs with --ignore-scripts anyway). */
const INSTALL_SCRIPTS_ALLOWED = new Set<string>();

/** Problems in one lock file: every package from the registry, pinned by a sha512 integrity, no git/file/URL specs. */
export function lockProblems(lock: Lock, label: string): string[] {
  const out: string[] = [];
  for (const [path, e] of Object.entries(lock.packages)) {
    if (path === '') {
      for (const [name, spec] of Object.entries({ ...(e.dependencies ?? {}), ...(e.optionalDependencies ?? {}) })) {
        if (/^(git\+|git:|github:|file:|link:|https?:)/.test(spec)) out.push(`${label}: ${name} comes from ${spec}, not the registry`);
      }
      continue;
    }
    if (e.dev) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (e.link) out.push(`${label}: ${path} is a link`);
    if (typeof e.resolved === 'string' && !e.resolved.startsWith(REGISTRY)) out.push(`${label}: ${name} resolves to ${e.resolved}`);
    if (typeof e.integrity !== 'string' || !e.integrity.startsWith('sha512-')) out.push(`${label}: ${name}@${String(e.version)} has no sha512 integrity`);
    if (e.hasInstallScript && !INSTALL_SCRIPTS_ALLOWED.has(name)) out.push(`${label}: ${name}@${String(e.version)} runs an install script`);
  }
  return out;
}

/**
 * The image's lock must be a part of the tested lock, package for package. Its SBOM must list every
 * package the image holds, installed (the image lock) or bundled into its chunks of the CLI (`bundled`,
 * lock paths from dist/bundle/serve.json), and nothing the tested lock does not have.
 */
export function imageProblems(full: Lock, image: Lock, sbom: { components?: Array<{ name: string; group?: string; version: string }> } | undefined, bundled: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [path, e] of Object.entries(image.packages)) {
    if (path === '') continue;
    const f = full.packages[path];
    if (!f || f.version !== e.version || f.integrity !== e.integrity) out.push(`image lock: ${path}@${String(e.version)} differs from npm-shrinkwrap.json`);
  }
  if (!sbom?.components) return [...out, 'image SBOM: missing (run npm run build)'];
  const id = (path: string, version: unknown) => `${path.slice(path.lastIndexOf('node_modules/') + 13)}@${String(version)}`;
  const held = [
    ...Object.entries(image.packages).filter(([p]) => p !== '').map(([p, e]) => id(p, e.version)),
    ...bundled.map((p) => (full.packages[p] ? id(p, full.packages[p].version) : `${p} (bundled, but not in npm-shrinkwrap.json)`)),
  ];
  const listed = new Set(sbom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`));
  const known = new Set(Object.entries(full.packages).filter(([p]) => p !== '').map(([p, e]) => id(p, e.version)));
  const few = (list: string[]) => `${list.slice(0, 5).join(', ')}${list.length > 5 ? ` and ${list.length - 5} more` : ''}`;
  const missing = [...new Set(held)].filter((h) => !listed.has(h));
  if (missing.length) out.push(`image SBOM: does not list ${few(missing)}, which the image holds (run npm run build)`);
  const phantom = [...listed].filter((l) => !known.has(l));
  if (phantom.length) out.push(`image SBOM: lists ${few(phantom)}, which npm-shrinkwrap.json does not lock (run npm run build)`);
  return out;
}

async function npmAudit(root: string): Promise<{ reached: boolean; summary: string; failed: boolean }> {
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const r = await promisify(execFile)(npm[0]!, [...npm.slice(1), 'audit', '--omit=dev', '--audit-level=high', '--json'], { cwd: root, maxBuffer: 64 << 20 }).then(
    (x) => ({ stdout: x.stdout, stderr: x.stderr }),
    (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
  let report: { message?: string; error?: { summary?: string; code?: string }; metadata?: { vulnerabilities?: Record<string, number> } };
  try {
    report = JSON.parse(r.stdout || '{}');
  } catch {
    return { reached: false, summary: (r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? 'no answer', failed: false };
  }
  if (report.error || !report.metadata) return { reached: false, summary: report.error?.summary || report.message || r.stderr.trim().split('\n')[0] || 'no report', failed: false };
  const v = report.metadata.vulnerabilities ?? {};
  const counts = ['critical', 'high', 'moderate', 'low'].map((k) => `${v[k] ?? 0} ${k}`).join(', ');
  return { reached: true, summary: counts, failed: (v.critical ?? 0) + (v.high ?? 0) > 0 };
}

async function main(): Promise<number> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const read = (p: string) => (existsSync(join(root, p)) ? (JSON.parse(readFileSync(join(root, p), 'utf8')) as unknown) : undefined);
  const full = read('npm-shrinkwrap.json') as Lock;
  const image = read('dist/image/npm-shrinkwrap.json') as Lock | undefined;
  const problems = [...lockProblems(full, 'npm-shrinkwrap.json'), ...(image ? [...lockProblems(image, 'image lock'), ...imageProblems(full, image, read('dist/image/sbom.cdx.json') as never, (read('dist/bundle/serve.json') as { packages?: string[] } | undefined)?.packages)] : ['image lock: missing (run npm run build)'])];
  const audit = await npmAudit(root);
  process.stdout.write(audit.reached ? `npm audit (production dependencies): ${audit.summary}\n` : `npm audit: the advisory endpoint could not be reached (${audit.summary}); known vulnerabilities were NOT checked\n`);
  process.stdout.write(problems.length ? `lock file checks failed:\n  ${problems.join('\n  ')}\n` : `lock file checks passed (${Object.keys(full.packages).length - 1} locked packages, ${image ? Object.keys(image.packages).length - 1 : 0} in the image)\n`);
  if (problems.length || audit.failed) return 1;
  return !audit.reached && process.argv.includes('--strict') ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
