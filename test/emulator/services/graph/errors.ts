// Microsoft Graph error envelope, response headers and the typed error the Graph routes throw.
import { type Ctx, guid, GUID_RE, header, sendJson } from '../../core/http.ts';

export function graphCodeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadRequest', 401: 'InvalidAuthenticationToken', 403: 'Authorization_RequestDenied', 404: 'Request_ResourceNotFound', 409: 'Conflict',
    429: 'TooManyRequests', 500: 'generalException', 503: 'serviceNotAvailable', 504: 'gatewayTimeout',
  };
  return codes[status] ?? 'UnknownError';
}

export function graphErrorBody(code: string, message: string, requestId = guid(), clientRequestId = requestId): Record<string, unknown> {
  return { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': clientRequestId } } };
}

export function graphHeaders(ctx: Ctx): { requestId: string; clientRequestId: string; headers: Record<string, string> } {
  const requestId = guid();
  const crid = header(ctx, 'client-request-id');
  const clientRequestId = crid && GUID_RE.test(crid) ? crid : requestId;
  return { requestId, clientRequestId, headers: { 'request-id': requestId, 'client-request-id': clientRequestId, 'odata-version': '4.0', 'cache-control': 'no-cache' } };
}

export function graphError(ctx: Ctx, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const h = graphHeaders(ctx);
  sendJson(ctx, status, graphErrorBody(code, message, h.requestId, h.clientRequestId), { ...h.headers, ...extra });
}

/** Thrown by Graph handlers; the Graph dispatcher turns it into the Graph envelope. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const notFound = (id: string): GraphError =>
  new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

export const badRequest = (message: string, code = 'Request_BadRequest'): GraphError => new GraphError(400, code, message);

export const invalidValue = (prop: string, type: string): GraphError => badRequest(`Invalid value specified for property '${prop}' of resource '${type}'.`);

export const denied = (): GraphError => new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
