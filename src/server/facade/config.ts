/**
 * How clients sign in: through the server's own authorization facade (default), or straight at
 * Entra ID (MCP_OBO_AUTH=entra, for clients pre-authorised on the app that omit RFC 8707
 * `resource`, or a custom domain). The facade needs its sealing key; every problem names the
 * variable, and the server refuses to start without it.
 */
import { ConfigError } from '../../errors.ts';
import { parseRedirectAllowList, RedirectUriError } from './redirects.ts';
import { parseFacadeKey } from './key.ts';

export type AuthConfig =
  | { mode: 'entra' }
  | {
      mode: 'facade';
      key: Buffer;
      previousKey: Buffer | undefined;
      /** Hosted and private-scheme redirect URIs clients may register (loopback needs no entry). */
      redirectUris: string[];
      /** Hosts whose client metadata documents may be fetched from private addresses. */
      clientMetadataHosts: string[];
    };

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const GENERATE = 'node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'base64\'))"';

function value(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function key(env: Readonly<Record<string, string | undefined>>, name: string): Buffer | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  const parsed = parseFacadeKey(v);
  // Never echo the value: it is a secret.
  if (!parsed) throw new ConfigError(name, 'must be 32 random bytes in base64 (44 characters)', { suggestion: `Generate one with: ${GENERATE}` });
  return parsed;
}

export function parseAuthConfig(env: Readonly<Record<string, string | undefined>>): AuthConfig {
  const mode = (value(env, 'MCP_OBO_AUTH') ?? 'facade').toLowerCase();
  if (mode === 'entra') return { mode: 'entra' };
  if (mode !== 'facade') throw new ConfigError('MCP_OBO_AUTH', `must be facade or entra (got "${value(env, 'MCP_OBO_AUTH')}")`);
  const current = key(env, 'MCP_OBO_FACADE_KEY');
  if (!current) {
    throw new ConfigError('MCP_OBO_FACADE_KEY', 'is required: the authorization facade (MCP_OBO_AUTH=facade, the default) seals its codes and tokens with it', {
      suggestion: `Locally, \`mcp-obo provision\` writes one to the env file; \`mcp-obo deploy\` stores one as a Container Apps secret. Or generate one: ${GENERATE}`,
    });
  }
  const previousKey = key(env, 'MCP_OBO_FACADE_KEY_PREVIOUS');
  if (previousKey?.equals(current)) throw new ConfigError('MCP_OBO_FACADE_KEY_PREVIOUS', 'must differ from MCP_OBO_FACADE_KEY (it is the key being rotated out)');
  let redirectUris: string[];
  try {
    redirectUris = parseRedirectAllowList(value(env, 'MCP_OBO_REDIRECT_URIS'));
  } catch (err) {
    if (err instanceof RedirectUriError) throw new ConfigError('MCP_OBO_REDIRECT_URIS', `has an invalid entry: ${err.message}`);
    throw err;
  }
  const clientMetadataHosts = (value(env, 'MCP_OBO_CLIENT_METADATA_HOSTS') ?? '').split(/[\s,]+/).filter(Boolean).map((h) => h.toLowerCase());
  const badHost = clientMetadataHosts.find((h) => !HOST.test(h));
  if (badHost) throw new ConfigError('MCP_OBO_CLIENT_METADATA_HOSTS', `must list host names, like mcp-clients.contoso.com (got "${badHost}")`);
  return { mode: 'facade', key: current, previousKey, redirectUris, clientMetadataHosts };
}
