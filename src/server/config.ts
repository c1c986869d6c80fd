/**
 * Server configuration: parsed once from an environment map (process env over the env file) and
 * flags, validated before anything listens. Every problem names the variable (exit code 2).
 */
import { resolve as resolvePath } from 'node:path';
import { ConfigError } from '../errors.ts';
import { resolveCloud } from '../cloud.ts';
import { httpsUrlFromEnv } from '../env-url.ts';
import { SERVER_NAMES } from './identity-names.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';
import { parseAuthConfig, type AuthConfig } from './facade/config.ts';
import { DEFAULT_LIMITS, type LimitSettings } from './limits.ts';
import { DEFAULT_PACKS, isPackName, PACK_NAMES, type PackName } from '../tools/packs/names.ts';

export type ServerCredential =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'managedIdentity'; miClientId: string; identityEndpoint: string; /** The cloud's (MCP_OBO_CLOUD). */ tokenExchangeAudience: string };

export interface ServerConfig {
  tenantId: string;
  /** The server's app registration (audience of incoming tokens, client of the OBO exchange). */
  clientId: string;
  credential: ServerCredential;
  /** Entra authority host without a trailing slash, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  graphEndpoint: string;
  /** Azure DevOps profile and accounts service (app.vssps.visualstudio.com). */
  devopsEndpoint: string;
  /** Azure DevOps organisation APIs: `{devopsApiEndpoint}/{organization}/...` (dev.azure.com). */
  devopsApiEndpoint: string;
  /** What tools the server offers: packs by name and the user's tool modules (absolute paths). */
  tools: { packs: PackName[]; modules: string[]; watch: boolean };
  host: string;
  port: number;
  /** Public base URL (no trailing slash); the MCP resource is publicUrl + '/mcp'. */
  publicUrl: string;
  /** No public URL was configured: it is http://localhost:{the port actually bound}. */
  publicUrlIsLocalDefault: boolean;
  /**
   * The canonical MCP URL when it is also an Application ID URI of the app (a verified custom
   * domain, set by `deploy --domain`): scopes are then advertised under it, and tokens whose
   * audience is it are accepted. Clients sending RFC 8707 `resource` need this.
   */
  identifierUri: string | undefined;
  maxTokenAgeSeconds: number;
  /** How clients sign in: the server's authorization facade (default) or Entra ID directly. */
  auth: AuthConfig;
  /** Client apps (azp / appid) whose tokens are accepted (MCP_OBO_ALLOWED_CLIENTS); undefined: any of the tenant. */
  allowedClients: string[] | undefined;
  /** Per-user limits: batch size, message rate, concurrent downstream calls. */
  limits: LimitSettings;
  /** Browser origins besides the public one that may call /mcp (CORS). */
  allowedOrigins: string[];
  logLevel: LogLevel;
  /** Log user names and e-mail addresses (opt-in); by default users appear only by oid. */
  logUserNames: boolean;
  /** The Container Apps revision this replica runs (CONTAINER_APP_REVISION, set by Container Apps); /health names it. */
  revision?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface ServeFlags {
  port?: string | number;
  host?: string;
  /** Tool modules: files or folders (--tools, repeatable or comma separated). */
  tools?: string[];
  /** Packs, comma separated (--packs). */
  packs?: string;
  watch?: boolean;
  /** Relative --tools paths resolve against it. */
  cwd?: string;
}

export const DEFAULTS = {
  devopsEndpoint: 'https://app.vssps.visualstudio.com',
  devopsApiEndpoint: 'https://dev.azure.com',
  port: 8000,
  host: '127.0.0.1',
  maxTokenAgeHours: 24,
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function parseServerConfig(env: Env, flags: ServeFlags = {}): ServerConfig {
  const tenantId = guid(env, SERVER_NAMES.tenant);
  const clientId = guid(env, SERVER_NAMES.clientId);
  const port = portOf(flags.port ?? value(env, 'PORT'), flags.port === undefined ? 'PORT' : '--port');
  const host = flags.host ?? DEFAULTS.host;
  if (!host.trim()) throw new ConfigError('--host', 'must not be empty');

  const maxHours = intIn(env, 'MAX_TOKEN_AGE_HOURS', 1, 168, DEFAULTS.maxTokenAgeHours);
  const logLevelRaw = (value(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${value(env, 'LOG_LEVEL')}")`);
  }

  const publicUrl = publicUrlOf(env, port);
  const cloud = resolveCloud(undefined, env);
  return {
    tenantId,
    clientId,
    credential: credentialOf(env, cloud.tokenExchangeAudience),
    // The cloud (MCP_OBO_CLOUD, default the public one) with AZURE_AUTHORITY_HOST / MCP_OBO_GRAPH_ENDPOINT overrides.
    authorityHost: cloud.authorityHost,
    graphEndpoint: cloud.graphEndpoint,
    devopsEndpoint: httpsUrlFromEnv(env, 'MCP_OBO_DEVOPS_ENDPOINT', DEFAULTS.devopsEndpoint, { originOnly: false }),
    devopsApiEndpoint: httpsUrlFromEnv(env, 'MCP_OBO_DEVOPS_API_ENDPOINT', DEFAULTS.devopsApiEndpoint, { originOnly: false }),
    tools: toolsOf(env, flags),
    host,
    port,
    publicUrl,
    identifierUri: identifierUriOf(env, publicUrl),
    publicUrlIsLocalDefault: value(env, 'APP_URL') === undefined && value(env, 'CONTAINER_APP_NAME') === undefined && value(env, 'CONTAINER_APP_ENV_DNS_SUFFIX') === undefined,
    maxTokenAgeSeconds: maxHours * 3600,
    auth: parseAuthConfig(env),
    allowedClients: guidList(env, 'MCP_OBO_ALLOWED_CLIENTS'),
    limits: {
      maxBatch: intIn(env, 'MCP_OBO_MAX_BATCH', 1, 100, DEFAULT_LIMITS.maxBatch),
      ratePerMinute: intIn(env, 'MCP_OBO_RATE_LIMIT', 0, 100_000, DEFAULT_LIMITS.ratePerMinute),
      burst: intIn(env, 'MCP_OBO_RATE_BURST', 1, 10_000, DEFAULT_LIMITS.burst),
      userConcurrency: intIn(env, 'MCP_OBO_USER_CONCURRENCY', 1, 64, DEFAULT_LIMITS.userConcurrency),
      maxConnections: intIn(env, 'MCP_OBO_MAX_CONNECTIONS', 1, 1024, DEFAULT_LIMITS.maxConnections),
      maxExchanges: intIn(env, 'MCP_OBO_MAX_EXCHANGES', 1, 1024, DEFAULT_LIMITS.maxExchanges),
      cacheMiB: value(env, 'MCP_OBO_CACHE_MB') === undefined ? undefined : intIn(env, 'MCP_OBO_CACHE_MB', 1, 65_536, 0),
      verifiedCacheMiB: value(env, 'MCP_OBO_VERIFIED_CACHE_MB') === undefined ? undefined : intIn(env, 'MCP_OBO_VERIFIED_CACHE_MB', 1, 65_536, 0),
      maxActive: intIn(env, 'MCP_OBO_MAX_ACTIVE', 1, 100_000, DEFAULT_LIMITS.maxActive),
    },
    allowedOrigins: originList(env, 'MCP_OBO_ALLOWED_ORIGINS'),
    logLevel: logLevelRaw as LogLevel,
    logUserNames: bool(env, 'MCP_OBO_LOG_USER_NAMES'),
    revision: value(env, 'CONTAINER_APP_REVISION'),
  };
}

/** Values derived from the configuration that several modules need. */
export function derived(config: ServerConfig) {
  const resource = `${config.publicUrl}/mcp`;
  const publicOrigin = new URL(config.publicUrl);
  return {
    authority: `${config.authorityHost}/${config.tenantId}`,
    // The facade is an authorization server at the public URL; otherwise clients go to Entra's v2 issuer.
    authorizationServer: config.auth.mode === 'facade' ? config.publicUrl : `${config.authorityHost}/${config.tenantId}/v2.0`,
    scope: `${config.identifierUri ?? `api://${config.clientId}`}/access_as_user`,
    resource,
    resourceMetadataUrl: `${publicOrigin.origin}/.well-known/oauth-protected-resource${publicOrigin.pathname.replace(/\/$/, '')}/mcp`,
    /** Host names (no port) admitted by the DNS-rebinding check. */
    allowedHosts: [...new Set([publicOrigin.hostname, 'localhost', '127.0.0.1', '[::1]'])],
    publicOrigin: publicOrigin.origin,
  };
}

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The first of the server's own name and its AZURE_* alias that is set, and which one it was. */
function first(env: Env, names: readonly string[]): { name: string; value: string | undefined } {
  for (const name of names) {
    const v = value(env, name);
    if (v !== undefined) return { name, value: v };
  }
  return { name: names[0]!, value: undefined };
}

function guid(env: Env, names: readonly string[]): string {
  const { name, value: v } = first(env, names);
  if (v === undefined) {
    throw new ConfigError(name, `(or ${names.slice(1).join(', ')}) is required`, {
      suggestion: 'Run `mcp-obo serve --deployment <name>` in the deployment\'s folder (`mcp-obo provision` writes its settings to .env.<prefix>-<env>.local), or set it in the environment.',
    });
  }
  if (!GUID.test(v)) throw new ConfigError(name, `must be a GUID like 00000000-0000-0000-0000-000000000000 (got "${v}")`);
  return v.toLowerCase();
}

function guidList(env: Env, name: string): string[] | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  const items = v.split(/[\s,]+/).filter(Boolean);
  const bad = items.find((x) => !GUID.test(x));
  if (bad) throw new ConfigError(name, `must list client ids (GUIDs), comma separated (got "${bad}")`);
  return items.map((x) => x.toLowerCase());
}

function originList(env: Env, name: string): string[] {
  const v = value(env, name);
  if (v === undefined) return [];
  return v.split(/[\s,]+/).filter(Boolean).map((o) => {
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError(name, `must list origins like https://app.contoso.com or http://localhost:6274, with no path (got "${o}")`);
    }
    return url.origin;
  });
}

function portOf(raw: string | number | undefined, name: string): number {
  if (raw === undefined) return DEFAULTS.port;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535 || (typeof raw === 'string' && !/^\d+$/.test(raw.trim()))) {
    throw new ConfigError(name, `must be a port number 0-65535 (got "${raw}")`);
  }
  return n;
}

function intIn(env: Env, name: string, min: number, max: number, fallback: number): number {
  const v = value(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${v}")`);
  }
  return Number(v);
}

function bool(env: Env, name: string): boolean {
  const v = value(env, name)?.toLowerCase();
  if (v === undefined || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new ConfigError(name, `must be true or false (got "${env[name]}")`);
}


function publicUrlOf(env: Env, port: number): string {
  const appUrl = value(env, 'APP_URL');
  if (appUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(appUrl);
    } catch {
      throw new ConfigError('APP_URL', `must be an absolute URL like https://mcp.contoso.com (got "${appUrl}")`);
    }
    if (url.search || url.hash || url.username || url.password) throw new ConfigError('APP_URL', `must not contain a query, fragment or credentials (got "${appUrl}")`);
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
      throw new ConfigError('APP_URL', `must use https unless the host is localhost (got "${appUrl}")`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('APP_URL', `must be an http(s) URL (got "${appUrl}")`);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
  const name = value(env, 'CONTAINER_APP_NAME');
  const suffix = value(env, 'CONTAINER_APP_ENV_DNS_SUFFIX');
  if (name !== undefined || suffix !== undefined) {
    if (name === undefined) throw new ConfigError('CONTAINER_APP_NAME', 'is required when CONTAINER_APP_ENV_DNS_SUFFIX is set');
    if (suffix === undefined) throw new ConfigError('CONTAINER_APP_ENV_DNS_SUFFIX', 'is required when CONTAINER_APP_NAME is set');
    const candidate = `https://${name}.${suffix}`;
    try {
      return new URL(candidate).origin;
    } catch {
      throw new ConfigError('CONTAINER_APP_NAME', `and CONTAINER_APP_ENV_DNS_SUFFIX do not form a valid host (got "${candidate}")`);
    }
  }
  return `http://localhost:${port}`;
}

function identifierUriOf(env: Env, publicUrl: string): string | undefined {
  const v = value(env, 'MCP_OBO_IDENTIFIER_URI');
  if (v === undefined) return undefined;
  if (v !== `${publicUrl}/mcp`) {
    throw new ConfigError('MCP_OBO_IDENTIFIER_URI', `must be the server's canonical MCP URL ${publicUrl}/mcp (got "${v}")`, {
      suggestion: 'Set APP_URL to the custom domain too; `mcp-obo deploy --domain <host>` sets both.',
    });
  }
  if (!v.startsWith('https://')) throw new ConfigError('MCP_OBO_IDENTIFIER_URI', `must be an https URL on a verified domain (got "${v}")`);
  return v;
}

/** Packs and modules from --packs / --tools alone (the commands that read them without a server). */
export function toolsFromFlags(flags: Pick<ServeFlags, 'packs' | 'tools' | 'cwd'>): ServerConfig['tools'] {
  return toolsOf({}, flags);
}

function toolsOf(env: Env, flags: ServeFlags): ServerConfig['tools'] {
  const fromFlag = flags.packs !== undefined;
  const raw = fromFlag ? flags.packs! : value(env, 'MCP_OBO_TOOL_PACKS');
  const name = fromFlag ? '--packs' : 'MCP_OBO_TOOL_PACKS';
  // `none` (or an empty --packs) offers only the user's tools.
  const packs = raw === undefined ? [...DEFAULT_PACKS] : raw.trim().toLowerCase() === 'none' ? [] : raw.split(/[\s,]+/).filter(Boolean);
  const unknown = packs.find((p) => !isPackName(p));
  if (unknown !== undefined) throw new ConfigError(name, `names an unknown pack "${unknown}" (packs: ${PACK_NAMES.join(', ')})`);
  const listed = flags.tools?.length ? flags.tools : (value(env, 'MCP_OBO_TOOLS')?.split(',') ?? []);
  const cwd = flags.cwd ?? process.cwd();
  const modules = listed.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean).map((t) => resolvePath(cwd, t));
  if (flags.watch && modules.length === 0) throw new ConfigError('--watch', 'needs tool modules to watch: add --tools <folder>');
  return { packs: [...new Set(packs)] as PackName[], modules: [...new Set(modules)], watch: Boolean(flags.watch) };
}

function credentialOf(env: Env, tokenExchangeAudience: string): ServerCredential {
  const identityEndpoint = value(env, 'IDENTITY_ENDPOINT');
  if (identityEndpoint !== undefined) {
    if (value(env, 'IDENTITY_HEADER') === undefined) {
      throw new ConfigError('IDENTITY_HEADER', 'is required with IDENTITY_ENDPOINT (both are set by Azure Container Apps)');
    }
    const mi = value(env, 'AZURE_MI_CLIENT_ID');
    if (mi === undefined) {
      throw new ConfigError('AZURE_MI_CLIENT_ID', 'is required when running with a managed identity (IDENTITY_ENDPOINT is set)', {
        suggestion: 'Set it to the client id of the user-assigned identity; `mcp-obo deploy` does this for you.',
      });
    }
    if (!GUID.test(mi)) throw new ConfigError('AZURE_MI_CLIENT_ID', `must be a GUID (got "${mi}")`);
    try {
      new URL(identityEndpoint);
    } catch {
      throw new ConfigError('IDENTITY_ENDPOINT', `must be a URL (got "${identityEndpoint}")`);
    }
    return { kind: 'managedIdentity', miClientId: mi.toLowerCase(), identityEndpoint, tokenExchangeAudience };
  }
  const secret = first(env, SERVER_NAMES.secret).value;
  if (secret === undefined) {
    throw new ConfigError('MCP_OBO_CLIENT_SECRET', '(or AZURE_CLIENT_SECRET) is not set and no managed identity is available (IDENTITY_ENDPOINT is not set)', {
      suggestion: 'Locally, run `mcp-obo provision` (it writes the secret to .env.<prefix>-<env>.local) and `mcp-obo serve --deployment <name>`; in Azure Container Apps, set AZURE_MI_CLIENT_ID.',
    });
  }
  return { kind: 'secret', clientSecret: secret };
}
