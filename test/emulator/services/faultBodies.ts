// Service-appropriate error bodies for fault rules that give a status without a body.
import type { FaultBody } from '../core/server.ts';
import { aadErrorBody, aadFaultSpec } from './entra/errors.ts';
import { graphCodeFor, graphErrorBody } from './graph/errors.ts';
import { devopsErrorBody } from './devopsVersion.ts';
import { miErrorBody } from './mi.ts';
import { storageErrorXml } from './blob.ts';

const JSON_CT = 'application/json; charset=utf-8';

function armCodeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadRequest', 401: 'AuthenticationFailed', 403: 'AuthorizationFailed', 404: 'ResourceNotFound', 409: 'Conflict',
    429: 'TooManyRequests', 500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout',
  };
  return codes[status] ?? 'Error';
}

export function makeFaultBody(url: string): (path: string, status: number) => FaultBody {
  return (path, status) => {
    const json = (v: unknown): FaultBody => ({ body: JSON.stringify(v), contentType: JSON_CT });
    if (/^\/[^/]+\/(oauth2|discovery|v2\.0\/\.well-known|\.well-known)\//i.test(path)) return json(aadErrorBody(url, aadFaultSpec(status)));
    if (/^\/(v1\.0|beta)(\/|$)/i.test(path)) return json(graphErrorBody(graphCodeFor(status), `Injected fault (HTTP ${status}).`));
    if (/^\/devops(\/|$)/i.test(path)) return json(devopsErrorBody('VssServiceException', `Injected fault (HTTP ${status}).`));
    if (/^\/msi\//i.test(path)) return json(miErrorBody(status, `Injected fault (HTTP ${status}).`));
    if (/^\/_blob\//.test(path)) {
      const code = status === 503 ? 'ServerBusy' : status >= 500 ? 'InternalError' : status === 403 ? 'AuthenticationFailed' : status === 404 ? 'BlobNotFound' : 'InvalidInput';
      return { body: storageErrorXml(code, `Injected fault (HTTP ${status}).`), contentType: 'application/xml' };
    }
    return json({ error: { code: armCodeFor(status), message: `Injected fault (HTTP ${status}).` } });
  };
}
