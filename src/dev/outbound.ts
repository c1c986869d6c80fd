/**
 * How the dev server reaches the local platform: its endpoints are https URLs on
 * `*.mcp-obo.localhost` (msal and the configuration want https), and this connector hands the
 * server's one outbound agent a plain connection to the platform's listener for those names, so no
 * TLS certificate or CA is needed. Every other host is connected as usual.
 */
import { connect as netConnect } from 'node:net';
import { buildConnector } from 'undici';

export const DEV_DOMAIN_SUFFIX = '.mcp-obo.localhost';
export const DEV_HOSTS = {
  login: `login${DEV_DOMAIN_SUFFIX}`,
  graph: `graph${DEV_DOMAIN_SUFFIX}`,
  vssps: `vssps${DEV_DOMAIN_SUFFIX}`,
  devops: `devops${DEV_DOMAIN_SUFFIX}`,
} as const;

export function devConnector(platformPort: number, timeoutMs: number): buildConnector.connector {
  const usual = buildConnector({ timeout: timeoutMs });
  return (opts, callback) => {
    if (!opts.hostname.endsWith(DEV_DOMAIN_SUFFIX)) return usual(opts, callback);
    const socket = netConnect({ host: '127.0.0.1', port: platformPort });
    const fail = (err: Error) => callback(err, null);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      callback(null, socket);
    });
  };
}
