// ARM long-running operations: Azure-AsyncOperation status and Location result endpoints on the emulator.
// No Retry-After by default (it would override the client's poll interval); the retryAfter switch adds it.
import type { ArmOperation } from '../../core/inventory.ts';
import type { ArmErrorInfo } from '../../types.ts';
import { armError } from './errors.ts';
import { type ACtx, type ArmRoutes, SUB } from './index.ts';

export interface LroStart {
  /** Resource type: keys the latency and the failNextOperation switch. */
  type: string;
  resourceId: string;
  finish(status: 'Succeeded' | 'Failed'): void;
  /** Asked when the operation is due; an error makes it end Failed. */
  check?(): ArmErrorInfo | undefined;
}

/** Start an operation that stays InProgress for the type's latency. */
export function startLro(a: ACtx, o: LroStart): ArmOperation {
  return a.inv.startOperation({ ...o, doneAt: Date.now() + a.env.timing.latency(o.type) });
}

/** Azure-AsyncOperation (and optionally Location) headers for an operation, absolute URLs on the emulator. */
export function lroHeaders(a: ACtx, op: ArmOperation, ns: string, location: string, o: { location?: boolean; statusName?: string } = {}): Record<string, string> {
  const base = `${a.url}/subscriptions/${a.sub}/providers/${ns}/locations/${location}`;
  const q = `api-version=${encodeURIComponent(a.apiVersion)}`;
  const h: Record<string, string> = { 'azure-asyncoperation': `${base}/${o.statusName ?? 'operationStatuses'}/${op.id}?${q}` };
  if (o.location) h.location = `${base}/operationResults/${op.id}?${q}`;
  if (a.inv.retryAfter !== undefined) h['retry-after'] = String(a.inv.retryAfter);
  return h;
}

/** Location-only header (ARM's resource group delete). */
export function locationHeader(a: ACtx, op: ArmOperation): Record<string, string> {
  const h: Record<string, string> = { location: `${a.url}/subscriptions/${a.sub}/operationresults/${op.id}?api-version=${encodeURIComponent(a.apiVersion)}` };
  if (a.inv.retryAfter !== undefined) h['retry-after'] = String(a.inv.retryAfter);
  return h;
}

function find(a: ACtx): ArmOperation {
  const op = a.inv.ops.get(a.m[0]!.toLowerCase());
  if (!op) throw armError(404, 'OperationNotFound', `The operation '${a.m[0]}' could not be found.`);
  return op;
}

export function registerLro(routes: ArmRoutes): void {
  routes.on('GET', `${SUB}/providers/[^/]+/locations/[^/]+/\\w*operationStatuses/([^/]+)`, 'operationStatuses', (a) => {
    const op = find(a);
    const body: Record<string, unknown> = { id: a.ctx.path, name: op.id, status: op.status, startTime: op.startTime };
    if (op.endTime) body.endTime = op.endTime;
    if (op.status === 'Failed') body.error = op.error;
    const h: Record<string, string> = op.status === 'InProgress' && a.inv.retryAfter !== undefined ? { 'retry-after': String(a.inv.retryAfter) } : {};
    a.send(200, body, h);
  });
  routes.on('GET', `${SUB}/(?:providers/[^/]+/locations/[^/]+/)?operationResults/([^/]+)`, 'operationResults', (a) => {
    const op = find(a);
    if (op.status === 'InProgress') {
      const h: Record<string, string> = { location: `${a.url}${a.ctx.path}?api-version=${encodeURIComponent(a.apiVersion)}` };
      if (a.inv.retryAfter !== undefined) h['retry-after'] = String(a.inv.retryAfter);
      return a.send(202, undefined, h);
    }
    if (op.status === 'Failed') return a.send(400, { error: op.error });
    a.send(200, undefined);
  });
}
