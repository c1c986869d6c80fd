// A Dockerfile as the classic builder reads it: instructions (continuations, comments, parser
// directives), global ARG substitution in FROM, COPY/ADD sources, and the final stage's image config.

export interface Instruction {
  cmd: string;
  args: string;
  /** 1-based line of the instruction's first line. */
  line: number;
}

export interface ImageConfig {
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  exposedPorts: string[];
  workdir: string;
  user: string;
}

export class DockerfileError extends Error {}

const KNOWN = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const t = raw.trim();
    if (t.startsWith('#') || t === '') continue;
    if (buf === '') start = i + 1;
    if (/\\\s*$/.test(raw)) {
      buf += `${raw.replace(/\\\s*$/, '')} `;
      continue;
    }
    buf += raw;
    const m = /^\s*(\S+)\s*(.*)$/s.exec(buf);
    buf = '';
    if (!m) continue;
    const cmd = m[1]!.toUpperCase();
    if (!KNOWN.has(cmd)) throw new DockerfileError(`dockerfile parse error line ${start}: unknown instruction: ${m[1]}`);
    out.push({ cmd, args: m[2]!.trim(), line: start });
  }
  if (buf.trim() !== '') throw new DockerfileError('dockerfile parse error: unexpected end of file after a line continuation');
  if (out.length === 0) throw new DockerfileError('the Dockerfile cannot be empty');
  const first = out.find((x) => x.cmd !== 'ARG');
  if (!first || first.cmd !== 'FROM') throw new DockerfileError('Please provide a source image with `from` prior to commit');
  return out;
}

/** Shell-like words: quotes removed, backslash escapes honoured. */
export function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur !== '') out.push(cur);
  return out;
}

/** `${NAME}`, `${NAME:-default}` and `$NAME` from `vars`. */
export function substitute(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_m, a: string | undefined, def: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? def ?? '');
}

/** KEY=VALUE pairs (ENV, ARG, LABEL), or the legacy `ENV KEY value with spaces`. */
export function pairs(args: string): Array<[string, string]> {
  const w = words(args);
  if (w.length > 0 && !w[0]!.includes('=')) return [[w[0]!, w.slice(1).join(' ')]];
  return w.map((x) => {
    const i = x.indexOf('=');
    return i === -1 ? [x, ''] : [x.slice(0, i), x.slice(i + 1)];
  });
}

/** The flags (`--from=x`) and the remaining words (JSON array or shell form) of COPY/ADD. */
export function copyArgs(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (;;) {
    const m = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest);
    if (!m) break;
    flags[m[1]!] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  let list: string[];
  if (rest.trim().startsWith('[')) {
    try {
      list = JSON.parse(rest) as string[];
    } catch {
      list = words(rest);
    }
  } else list = words(rest);
  return { flags, sources: list.slice(0, -1), dest: list[list.length - 1] ?? '' };
}

/** Exec form (JSON array) or shell form (`/bin/sh -c ...`) of CMD / ENTRYPOINT. */
function execForm(args: string): string[] {
  if (args.trim().startsWith('[')) {
    try {
      const v = JSON.parse(args) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    } catch {
      // shell form below
    }
  }
  return ['/bin/sh', '-c', args];
}

/** Global ARG defaults (before the first FROM), overridden by build arguments. */
export function globalArgs(ins: Instruction[], buildArgs: Record<string, string>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const i of ins) {
    if (i.cmd === 'FROM') break;
    if (i.cmd === 'ARG') for (const [k, v] of pairs(i.args)) vars[k] = buildArgs[k] ?? v;
  }
  return vars;
}

/** The config of the image the final stage produces (ENV, ENTRYPOINT, CMD, EXPOSE, WORKDIR, USER). */
export function finalImageConfig(ins: Instruction[]): ImageConfig {
  const lastFrom = ins.map((i) => i.cmd).lastIndexOf('FROM');
  const cfg: ImageConfig = { env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, entrypoint: [], cmd: [], exposedPorts: [], workdir: '/', user: '' };
  for (const i of ins.slice(lastFrom + 1)) {
    if (i.cmd === 'ENV') for (const [k, v] of pairs(i.args)) cfg.env[k] = substitute(v, cfg.env);
    else if (i.cmd === 'ENTRYPOINT') {
      cfg.entrypoint = execForm(i.args);
      cfg.cmd = [];
    } else if (i.cmd === 'CMD') cfg.cmd = execForm(i.args);
    else if (i.cmd === 'EXPOSE') cfg.exposedPorts.push(...words(i.args).map((p) => (p.includes('/') ? p : `${p}/tcp`)));
    else if (i.cmd === 'WORKDIR') cfg.workdir = i.args.startsWith('/') ? i.args : `${cfg.workdir.replace(/\/$/, '')}/${i.args}`;
    else if (i.cmd === 'USER') cfg.user = i.args;
  }
  return cfg;
}
