/** An https endpoint from an environment variable, validated once for the CLI and the server alike. */
import { ConfigError } from './errors.ts';

export function httpsUrlFromEnv(env: Readonly<Record<string, string | undefined>>, name: string, fallback: string, opts: { originOnly: boolean }): string {
  const v = env[name]?.trim();
  if (!v) return fallback;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(name, `must be an absolute https URL (got "${v}")`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(name, `must use https: tokens are sent there (got "${v}")`);
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(name, `must not contain a query, fragment or credentials (got "${v}")`);
  }
  if (opts.originOnly && url.pathname !== '/') throw new ConfigError(name, `must be a host without a path, like ${fallback} (got "${v}")`);
  return opts.originOnly ? url.origin : `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
