/**
 * The local sign-in page: pick one of the sample users. It says on every view that this is
 * mcp-obo's local platform with invented data, not Microsoft. No script; one inline stylesheet
 * allowed by hash; forms post only to this page.
 */
import { createHash } from 'node:crypto';
import type { SampleUser } from '../sample/tenant.ts';

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}h1{font-size:1.35rem}' +
  '.note{background:#fff4ce;border:1px solid #e0c45c;padding:.6rem .8rem;border-radius:.3rem}form{margin:.6rem 0}' +
  'button{font:inherit;width:100%;text-align:left;padding:.7rem 1rem;border:1px solid #999;border-radius:.3rem;background:#fff;cursor:pointer}' +
  'button:hover{border-color:#0a5ac2}small{color:#555;display:block}';
const HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const shell = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Sign in (mcp-obo dev)</title><style>${STYLE}</style></head><body>` +
  `<p class="note"><strong>mcp-obo dev</strong>: a local sign-in with sample users and invented data. This is not Microsoft and no real account is used.</p>${body}</body></html>`;

export const signInPage = {
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src ${HASH}; form-action 'self' http://localhost:* http://127.0.0.1:*; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  },
  render(users: readonly SampleUser[], action: string): string {
    const buttons = users
      .map((u) => `<form method="post" action="${escape(action)}"><input type="hidden" name="user" value="${escape(u.oid)}"><button type="submit">${escape(u.displayName)}<small>${escape(u.userPrincipalName)} · ${escape(u.jobTitle ?? '')}</small></button></form>`)
      .join('');
    return shell(`<h1>Sign in as</h1>${buttons}`);
  },
  error(message: string): string {
    return shell(`<h1>Sign-in failed</h1><p id="error">${escape(message)}</p>`);
  },
};
