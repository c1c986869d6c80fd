/**
 * The facade's own HTML: the consent page (MCP security best practices, "Confused Deputy
 * Problem": a proxy that signs users in with one static upstream client must ask the user about
 * each dynamically registered client before forwarding) and plain error pages. No script at all;
 * the one stylesheet is allowed by its hash; the page cannot be framed or leak its URL.
 */
import { createHash } from 'node:crypto';
import type { Response } from 'express';

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}' +
  'h1{font-size:1.4rem}code{background:#f3f3f3;padding:0 .25rem;word-break:break-all}.muted{color:#555;font-size:.9rem}' +
  'form{display:flex;gap:1rem;margin-top:2rem}button{font:inherit;padding:.5rem 1.25rem;border-radius:.3rem;border:1px solid #888;background:#fff}' +
  'button[value=allow]{background:#0a5ac2;color:#fff;border-color:#0a5ac2}';
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function securityHeaders(res: Response, formAction: string[]): void {
  res.set({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; form-action ${formAction.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  });
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** CSP source for where a redirect after the form may go (Chrome applies form-action to redirects). */
export function formActionSource(uri: string): string {
  const u = new URL(uri);
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : u.protocol;
}

export interface ConsentView {
  serverName: string;
  resource: string;
  clientName: string | undefined;
  /** How the client identified itself: a registration, or a metadata document at this URL. */
  clientIdUrl: string | undefined;
  redirectUri: string;
  loopback: boolean;
  request: string;
  csrf: string;
  formAction: string[];
}

export function renderConsent(res: Response, v: ConsentView): void {
  const target = new URL(v.redirectUri);
  const where = v.loopback
    ? `an application on this computer (<code>${escape(target.host)}</code>)`
    : `<code>${escape(target.protocol === 'http:' || target.protocol === 'https:' ? target.host : `${target.protocol}//${target.host}`)}</code>`;
  const who = v.clientIdUrl
    ? `The client <strong>${escape(v.clientName ?? v.clientIdUrl)}</strong>, described by <code>${escape(v.clientIdUrl)}</code>,`
    : `An application that calls itself <strong>${escape(v.clientName ?? 'an unnamed client')}</strong> (a name it chose itself)`;
  securityHeaders(res, v.formAction);
  res.status(200).send(
    page(
      `Allow access to ${v.serverName}?`,
      `<h1>Allow access to ${escape(v.serverName)}?</h1>` +
        `<p>${who} wants to use the MCP server <code>${escape(v.resource)}</code> as you.</p>` +
        `<p>If you allow it, it can call this server's tools, which read Microsoft Graph and Azure DevOps on your behalf with the permissions your administrator granted. ` +
        `You will sign in with Microsoft next, and the result goes to ${where}.</p>` +
        `<p class="muted">Only allow this if you started the connection yourself, just now, in an app you trust. Your choice is remembered in this browser for 30 days.</p>` +
        `<form method="post" action="consent">` +
        `<input type="hidden" name="request" value="${escape(v.request)}"><input type="hidden" name="csrf" value="${escape(v.csrf)}">` +
        `<button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button></form>`,
    ),
  );
}

export function renderError(res: Response, status: number, title: string, message: string): void {
  securityHeaders(res, ["'none'"]);
  res.status(status).send(page(title, `<h1>${escape(title)}</h1><p>${escape(message)}</p>`));
}
