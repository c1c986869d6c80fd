/**
 * The device authorization grant (RFC 8628) at Entra's v2 endpoints, for the Azure CLI's public
 * client: request a code, show its message, poll the token endpoint at the interval Entra asks for.
 * Done here rather than through msal-node, whose device-code client turns every token-endpoint
 * refusal into `post_request_failed: invalid_grant` and drops the AADSTS code that says why
 * (AADSTS50105: not assigned; AADSTS65001: no consent; ...).
 */
import type { Clock } from '../clock.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceCodeInput {
  /** `{authorityHost}/{tenant}` */
  authority: string;
  clientId: string;
  scope: string;
  notify: (message: string) => void;
  clock: Clock;
  fetch?: typeof fetch;
}

/** Entra refused the sign-in: its error, AADSTS code and description. */
export class EntraRefusal extends Error {
  readonly error: string;
  readonly aadsts: string | undefined;
  readonly description: string;

  constructor(error: string, description: string, codes: number[] | undefined) {
    const aadsts = codes?.[0] !== undefined ? String(codes[0]) : /AADSTS(\d+)/.exec(description)?.[1];
    super(description.split(/\r?\n/)[0] || error);
    this.name = 'EntraRefusal';
    this.error = error;
    this.aadsts = aadsts;
    this.description = description;
  }
}

interface TokenResponse {
  access_token?: string;
  error?: string;
  error_description?: string;
  error_codes?: number[];
}

async function post(i: DeviceCodeInput, path: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await (i.fetch ?? fetch)(`${i.authority}/oauth2/v2.0/${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

export async function deviceCodeToken(i: DeviceCodeInput): Promise<string> {
  const start = await post(i, 'devicecode', { client_id: i.clientId, scope: i.scope });
  const b = start.body as { device_code?: string; message?: string; interval?: number; expires_in?: number } & TokenResponse;
  if (start.status !== 200 || !b.device_code) throw new EntraRefusal(b.error ?? `HTTP ${start.status}`, b.error_description ?? '', b.error_codes);
  i.notify(b.message ?? 'Sign in with the code shown by your device-login page.');
  let interval = Math.max(1, b.interval ?? 5) * 1000;
  const deadline = i.clock.now() + (b.expires_in ?? 900) * 1000;
  for (;;) {
    await i.clock.sleep(interval);
    const r = await post(i, 'token', { grant_type: GRANT, client_id: i.clientId, device_code: b.device_code });
    const t = r.body as TokenResponse;
    if (r.status === 200 && t.access_token) return t.access_token;
    if (t.error === 'authorization_pending' && i.clock.now() < deadline) continue;
    // RFC 8628 3.5: slow_down adds 5 seconds to the interval from now on.
    if (t.error === 'slow_down' && i.clock.now() < deadline) {
      interval += 5000;
      continue;
    }
    throw new EntraRefusal(t.error ?? `HTTP ${r.status}`, t.error_description ?? (t.error === 'authorization_pending' ? 'the device code expired before the sign-in was completed' : ''), t.error_codes);
  }
}
