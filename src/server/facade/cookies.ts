/**
 * The facade's three browser cookies. On an https origin they carry the `__Host-` prefix (Secure,
 * Path=/, no Domain: no other host or path can set or read them); on http://localhost, where
 * browsers differ in keeping Secure cookies, the same cookies go without the prefix and Secure.
 * All are HttpOnly. Only our own cookies are read, and only values in the base64url/JWE alphabet,
 * so reading them needs no general cookie parser.
 */
import type { Request, Response } from 'express';

export type CookieKind = 'csrf' | 'tx' | 'approval';

const BASE: Record<CookieKind, string> = { csrf: 'mcp-obo-csrf', tx: 'mcp-obo-tx', approval: 'mcp-obo-consent' };
// SameSite: the CSRF cookie is only needed on our own form post (Strict); the transaction and the
// remembered approval must arrive on top-level navigations from Entra and from the client (Lax).
const SAME_SITE: Record<CookieKind, 'strict' | 'lax'> = { csrf: 'strict', tx: 'lax', approval: 'lax' };
const VALUE = /^[A-Za-z0-9._-]{1,4000}$/;

export class FacadeCookies {
  readonly secure: boolean;
  constructor(secure: boolean) {
    this.secure = secure;
  }

  name(kind: CookieKind, suffix = ''): string {
    return `${this.secure ? '__Host-' : ''}${BASE[kind]}${suffix ? `-${suffix}` : ''}`;
  }

  set(res: Response, kind: CookieKind, value: string, maxAgeSeconds: number, suffix = ''): void {
    res.cookie(this.name(kind, suffix), value, { httpOnly: true, secure: this.secure, sameSite: SAME_SITE[kind], path: '/', maxAge: maxAgeSeconds * 1000, encode: String });
  }

  clear(res: Response, kind: CookieKind, suffix = ''): void {
    res.clearCookie(this.name(kind, suffix), { httpOnly: true, secure: this.secure, sameSite: SAME_SITE[kind], path: '/' });
  }

  get(req: Request, kind: CookieKind, suffix = ''): string | undefined {
    const wanted = this.name(kind, suffix);
    for (const part of String(req.headers.cookie ?? '').split(';')) {
      const i = part.indexOf('=');
      if (i === -1 || part.slice(0, i).trim() !== wanted) continue;
      const value = part.slice(i + 1).trim();
      return VALUE.test(value) ? value : undefined;
    }
    return undefined;
  }
}
