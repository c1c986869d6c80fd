// Azure DevOps api-version negotiation and its error bodies.
import { type Ctx, header } from '../core/http.ts';

export interface DevopsFailure {
  status: number;
  body: Record<string, unknown>;
}

export function devopsErrorBody(typeKey: string, message: string, ns = 'Microsoft.VisualStudio.Services.WebApi'): Record<string, unknown> {
  return { $id: '1', innerException: null, message, typeName: `${ns}.${typeKey}, ${ns}`, typeKey, errorCode: 0, eventId: 3000 };
}

/** Per resource: the newest resource version (-preview.N) and whether plain (released) versions are allowed. */
export interface ResourceVersioning {
  maxResourceVersion: number;
  released: boolean;
}

const KNOWN = ['1.0', '2.0', '3.0', '4.0', '4.1', '5.0', '5.1', '6.0', '7.0', '7.1', '7.2'];
const LATEST_RELEASED = '7.1';
const LATEST = '7.2';

/** The requested api-version (query first, then the Accept header), or a DevOps error. */
export function negotiateVersion(ctx: Ctx, r: ResourceVersioning): { ok: true; version: string } | { ok: false; failure: DevopsFailure } {
  const fromAccept = /api-version=([^;,\s]+)/i.exec(header(ctx, 'accept') ?? '')?.[1];
  const requested = ctx.query.get('api-version') ?? fromAccept;
  const bad = (typeKey: string, message: string): { ok: false; failure: DevopsFailure } => ({ ok: false, failure: { status: 400, body: devopsErrorBody(typeKey, message) } });
  if (requested === undefined || requested === '') {
    return bad('VssVersionNotSpecifiedException', `No api-version was supplied for the "${ctx.method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`);
  }
  const m = /^(\d+)\.(\d+)(-preview(?:\.(\d+))?)?$/i.exec(requested);
  if (!m) return bad('VssInvalidApiVersionException', `The api-version '${requested}' is not in a valid format. It must look like "7.1" or "7.1-preview.1".`);
  const base = `${m[1]}.${m[2]}`;
  const preview = m[3] !== undefined;
  const resourceVersion = m[4] === undefined ? undefined : Number(m[4]);
  if (!KNOWN.includes(base)) {
    return bad('VssVersionOutOfRangeException', `The requested REST API version of ${base} is out of range for this server. The latest REST API version this server supports is ${LATEST}.`);
  }
  if (!preview && (!r.released || Number(base) > Number(LATEST_RELEASED))) {
    return bad('VssInvalidPreviewVersionException', `The requested version "${requested}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: "${requested}-preview"`);
  }
  if (resourceVersion !== undefined && (resourceVersion < 1 || resourceVersion > r.maxResourceVersion)) {
    return bad('VssVersionOutOfRangeException', `The requested version "${requested}" of the resource is out of range. The latest version of this resource is "${base}-preview.${r.maxResourceVersion}".`);
  }
  return { ok: true, version: requested };
}
