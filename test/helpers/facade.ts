/** Driving the authorization facade as a stock MCP client and a user's browser would. */
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Emulator } from '../emulator/index.ts';
import { serverEnv } from './serve.ts';
import { Browser, consentForm, type MemoryOAuthProvider } from './browser.ts';

export const newFacadeKey = (): string => randomBytes(32).toString('base64');

/** serve's environment in facade mode (the default mode, with its key). */
export function facadeEnv(emu: Emulator, key: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  return serverEnv(emu, { MCP_OBO_AUTH: undefined, MCP_OBO_FACADE_KEY: key, ...extra });
}

/** The browser part: our consent page (allowed), Entra, our callback, back to the client. Returns the callback query. */
export async function approveInBrowser(browser: Browser, authorizationUrl: string, redirectUrl: string): Promise<URLSearchParams> {
  const first = await browser.follow(authorizationUrl, redirectUrl);
  if (first.callback) return first.callback; // approval remembered in this browser
  const page = first.page!;
  if (page.status !== 200 || !page.body.includes('name="decision"')) throw new Error(`expected the consent page, got ${page.status}: ${page.body.slice(0, 300)}`);
  const consentUrl = new URL('consent', page.url).href;
  const done = await browser.follow(consentUrl, redirectUrl, { form: { ...consentForm(page.body), decision: 'allow' }, origin: new URL(page.url).origin });
  if (!done.callback) throw new Error(`sign-in stopped at ${done.page?.url} (${done.page?.status}): ${done.page?.body.slice(0, 500)}`);
  return done.callback;
}

/** The stock SDK client, end to end: 401 -> discovery -> registration -> browser -> token -> connected. */
export async function connectThroughFacade(mcpUrl: string, provider: MemoryOAuthProvider, browser = new Browser()): Promise<{ client: Client; callback: URLSearchParams }> {
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: 'e2e-oauth', version: '0.0.0' });
  try {
    await client.connect(first);
    return { client, callback: new URLSearchParams() };
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  if (!provider.authorizationUrl) throw new Error('the client never started an authorization');
  const callback = await approveInBrowser(browser, provider.authorizationUrl.href, provider.redirectUrl);
  const code = callback.get('code');
  if (!code) throw new Error(`no code: ${callback.toString()}`);
  await first.finishAuth(code);
  const connected = new Client({ name: 'e2e-oauth', version: '0.0.0' });
  await connected.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return { client: connected, callback };
}
