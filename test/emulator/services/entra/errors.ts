// Entra ID (AADSTS) error envelope.
import { type Ctx, guid, GUID_RE, header, sendJson } from '../../core/http.ts';

export interface AadErrorSpec {
  status: number;
  error: string;
  code: number;
  message: string;
  suberror?: string;
  /** Claims challenge, a JSON string. */
  claims?: string;
}

export class AadError extends Error {
  readonly spec: AadErrorSpec;
  constructor(spec: AadErrorSpec) {
    super(`AADSTS${spec.code}: ${spec.message}`);
    this.spec = spec;
  }
}

export function aad(status: number, error: string, code: number, message: string, extra: { suberror?: string; claims?: string } = {}): AadError {
  return new AadError({ status, error, code, message, ...extra });
}

/** `2024-05-01 12:34:56Z`, the format Entra uses in error bodies. */
export function aadTimestamp(d = new Date()): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Entra echoes a GUID `client-request-id` header as the correlation id. */
export function correlationId(ctx: Ctx): string {
  const h = header(ctx, 'client-request-id') ?? ctx.query.get('client-request-id') ?? '';
  return GUID_RE.test(h) ? h.toLowerCase() : guid();
}

export function aadErrorBody(url: string, spec: AadErrorSpec, corr = guid(), trace = guid()): Record<string, unknown> {
  const ts = aadTimestamp();
  const body: Record<string, unknown> = {
    error: spec.error,
    error_description: `AADSTS${spec.code}: ${spec.message}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${corr}\r\nTimestamp: ${ts}`,
    error_codes: [spec.code],
    timestamp: ts,
    trace_id: trace,
    correlation_id: corr,
    error_uri: `${url}/error?code=${spec.code}`,
  };
  if (spec.suberror !== undefined) body.suberror = spec.suberror;
  if (spec.claims !== undefined) body.claims = spec.claims;
  return body;
}

export function entraHeaders(ctx: Ctx, trace: string): Record<string, string> {
  const h: Record<string, string> = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'x-ms-request-id': trace };
  const crid = header(ctx, 'client-request-id');
  if (crid !== undefined) h['client-request-id'] = crid;
  return h;
}

export function sendAadError(ctx: Ctx, url: string, e: AadError, extraHeaders: Record<string, string> = {}): void {
  const trace = guid();
  sendJson(ctx, e.spec.status, aadErrorBody(url, e.spec, correlationId(ctx), trace), { ...entraHeaders(ctx, trace), ...extraHeaders });
}

/** Body of a fault rule with a status but no body, on Entra paths. */
export function aadFaultSpec(status: number): AadErrorSpec {
  if (status === 429) return { status, error: 'temporarily_unavailable', code: 90055, message: 'TenantThrottlingError: There are too many incoming requests. This exception is thrown for blocked tenants.' };
  if (status >= 500) return { status, error: 'temporarily_unavailable', code: 90033, message: 'A transient error has occurred. Please try again.' };
  if (status === 401) return { status, error: 'invalid_client', code: 7000215, message: 'Invalid client secret provided. (injected fault)' };
  return { status, error: 'invalid_request', code: 9002313, message: 'Invalid request. Request is malformed or invalid. (injected fault)' };
}

// ---- the AADSTS errors mcp-obo meets (status, error, code, text as Entra words them) ----

export const missingParam = (name: string): AadError =>
  aad(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

export const malformed = (detail: string): AadError => aad(400, 'invalid_request', 9002313, `Invalid request. Request is malformed or invalid. ${detail}`);

export const tenantNotFound = (tenant: string, error = 'invalid_tenant'): AadError =>
  aad(400, error, 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);

export const invalidScope = (scope: string, why: string): AadError =>
  aad(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. ${why}`);

export const invalidAssertion = (reason: string): AadError => aad(400, 'invalid_grant', 50013, reason);
