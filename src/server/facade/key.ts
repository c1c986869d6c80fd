/**
 * The facade key as configured (MCP_OBO_FACADE_KEY): 32 bytes in base64 or base64url. Its own module,
 * without jose, so reading the configuration before the server listens loads no crypto library.
 */
export function parseFacadeKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined;
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}
