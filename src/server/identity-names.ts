/**
 * The server's identity under its own names, and the AZURE_* names it also accepts (the image, and
 * env files older versions wrote). Its own names come first, so a deployer's exported
 * AZURE_CLIENT_ID never turns the server into the deployer. No imports: `serve` reads this before
 * anything heavy loads.
 */
export const SERVER_NAMES = {
  tenant: ['MCP_OBO_TENANT_ID', 'AZURE_TENANT_ID'],
  clientId: ['MCP_OBO_CLIENT_ID', 'AZURE_CLIENT_ID'],
  secret: ['MCP_OBO_CLIENT_SECRET', 'AZURE_CLIENT_SECRET'],
} as const;

/** The first of `names` set (and not blank) in `values`. */
export function pick(values: Readonly<Record<string, string | undefined>>, names: readonly string[]): string | undefined {
  for (const n of names) if (values[n] !== undefined && values[n]!.trim() !== '') return values[n];
  return undefined;
}
