// `npm test`'s pretest: says "Node too old" in one line, before anything can fail obscurely on an
// older Node (a syntax error in a .ts test, a missing API). Plain JavaScript on purpose: it must run
// on the very Node versions it turns away. The supported range is package.json's engines.node.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Whether `version` (e.g. "20.20.2") satisfies `range` ("^22.22.2 || >=24.15.0": `>=x.y.z` and `^x.y.z` parts). */
export function satisfies(version, range) {
  const v = version.replace(/^v/, '').split('.').map(Number);
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  return range.split('||').some((part) => {
    const m = /^\s*(>=|\^)\s*(\d+)\.(\d+)\.(\d+)\s*$/.exec(part);
    if (!m) return false;
    const min = [Number(m[2]), Number(m[3]), Number(m[4])];
    return cmp(v, min) >= 0 && (m[1] === '>=' || v[0] === min[0]);
  });
}

export function check(version, range) {
  if (satisfies(version, range)) return undefined;
  return (
    `Node too old: mcp-obo's tests need Node.js ${range} (this is v${version.replace(/^v/, '')}).\n` +
    '  `source .ci/node-env.sh` puts a Node 24 first on PATH (fetched once from the npm registry), or install it (nvm install 24, fnm, your package manager).\n'
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
  const problem = check(process.versions.node, pkg.engines.node);
  if (problem) {
    process.stderr.write(problem);
    process.exitCode = 1;
  }
}
