/**
 * Which redirect URIs a client may register. The facade signs users in as this server's own app,
 * so a redirect URI decides who receives a code for the user's session: only loopback callbacks
 * (native clients on the user's machine, RFC 8252), callbacks on a metadata document's own
 * origin, and an allow-list of hosted and private-scheme callbacks are accepted.
 */

/**
 * The documented callbacks of the hosted and desktop MCP clients (MCP_OBO_REDIRECT_URIS replaces
 * this list; the entry `default` keeps it). Loopback callbacks (Claude Code, mcp-remote, MCP
 * Inspector, the MCP SDK's examples, VS Code's loopback flow) need no entry.
 */
export const DEFAULT_REDIRECT_URIS: readonly string[] = [
  // VS Code: the redirect URIs it registers (microsoft/vscode src/vs/base/common/oauth.ts, fetchDynamicRegistration).
  'https://vscode.dev/redirect',
  'https://insiders.vscode.dev/redirect',
  // Claude (claude.ai, Claude Desktop, mobile): Anthropic asks servers to allow both hosts
  // (support.claude.com, "Building custom connectors via remote MCP servers").
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
  // ChatGPT connectors: the platform callback and the per-connector one (developers.openai.com/apps-sdk/build/auth).
  'https://chatgpt.com/connector_platform_oauth_redirect',
  'https://chatgpt.com/connector/oauth/*',
  // Cursor: its fixed redirect URI for remote MCP servers (cursor.com/docs/context/mcp, "Static OAuth").
  'cursor://anysphere.cursor-mcp/oauth/callback',
];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

export class RedirectUriError extends Error {}

/** Parses MCP_OBO_REDIRECT_URIS (comma or whitespace separated); throws RedirectUriError naming a bad entry. */
export function parseRedirectAllowList(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_REDIRECT_URIS];
  const out: string[] = [];
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    if (entry === 'default') {
      out.push(...DEFAULT_REDIRECT_URIS);
      continue;
    }
    const base = entry.endsWith('/*') ? entry.slice(0, -1) : entry;
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new RedirectUriError(`"${entry}" is not an absolute URI`);
    }
    if (url.hash || url.username || url.password) throw new RedirectUriError(`"${entry}" must not contain a fragment or credentials`);
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) throw new RedirectUriError(`"${entry}" must use https (http is for loopback only, which needs no entry)`);
    if (entry.endsWith('/*') && url.search) throw new RedirectUriError(`"${entry}": a wildcard entry cannot have a query`);
    out.push(entry);
  }
  return [...new Set(out)];
}

function parse(uri: string): URL | undefined {
  try {
    const url = new URL(uri);
    // RFC 6749 §3.1.2: no fragment; credentials in a callback are never legitimate.
    if (url.hash || uri.includes('#') || url.username || url.password) return undefined;
    return url;
  } catch {
    return undefined;
  }
}

export function isLoopback(uri: string): boolean {
  const url = parse(uri);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.has(url.hostname);
}

function matchesEntry(uri: string, url: URL, entry: string): boolean {
  if (!entry.endsWith('/*')) return uri === entry;
  // "https://host/path/*": exactly one more path segment, nothing after it.
  const prefix = entry.slice(0, -1);
  if (!uri.startsWith(prefix) || url.search) return false;
  return SEGMENT.test(uri.slice(prefix.length)) && !uri.slice(prefix.length).startsWith('.');
}

/**
 * True when a client may use `uri` as a redirect URI. `clientOrigin` is the origin of a Client ID
 * Metadata Document's URL: https callbacks on that origin belong to the client that published it.
 */
export function redirectAllowed(uri: string, allowList: readonly string[], clientOrigin?: string): boolean {
  const url = parse(uri);
  if (!url) return false;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.has(url.hostname)) return true;
  if (clientOrigin !== undefined && url.protocol === 'https:' && url.origin === clientOrigin) return true;
  return allowList.some((entry) => matchesEntry(uri, url, entry));
}
