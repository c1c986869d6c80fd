/** What a token says, for `mcp-obo token --decode`: the claims that matter, never the signature. */
export interface TokenSummary {
  audience: unknown;
  issuer: unknown;
  scopes: string[];
  user: unknown;
  objectId: unknown;
  tenantId: unknown;
  clientAppId: unknown;
  version: unknown;
  issuedAt: string | undefined;
  expiresAt: string | undefined;
  expiresInMinutes: number | undefined;
}

export function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function summarize(token: string, nowMs = Date.now()): TokenSummary {
  const c = decodeClaims(token);
  const time = (v: unknown) => (typeof v === 'number' ? new Date(v * 1000).toISOString() : undefined);
  return {
    audience: c.aud,
    issuer: c.iss,
    scopes: typeof c.scp === 'string' ? c.scp.split(' ') : [],
    user: c.preferred_username ?? c.upn ?? c.unique_name ?? c.name,
    objectId: c.oid,
    tenantId: c.tid,
    clientAppId: c.azp ?? c.appid,
    version: c.ver,
    issuedAt: time(c.iat),
    expiresAt: time(c.exp),
    expiresInMinutes: typeof c.exp === 'number' ? Math.round((c.exp * 1000 - nowMs) / 60_000) : undefined,
  };
}
