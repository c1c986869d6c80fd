// ARM long-running operations: Azure-AsyncOperation status and Location result endpoints on the emulator.
// Retry-After on every operation response while it runs (1 s by default; the retryAfter switch changes or removes it).
import type { ArmOperation } from '../../core/inventory.ts';
import type { ArmErrorInfo, JsonObject } from '../../types.ts';
import { childId, rgOf } from './common.ts';
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

export interface LroDelete {
  type: string;
  /** Provider namespace of the operation URLs, e.g. 'Microsoft.App'. */
  ns: string;
  /** provisioningState while the delete runs ('Deleting', 'ScheduledForDelete'). */
  deletingState: string;
  statusName?: string;
  /** Called just before the resource leaves the inventory (to drop what hangs off it). */
  removed?(res: JsonObject): void;
}

/**
 * DELETE of a resource group's child as ARM answers it: 204 when absent, else 202 with an operation
 * that removes it, or restores its provisioningState when the operation fails. a.m = [rg, name].
 */
export function lroDelete(a: ACtx, o: LroDelete): void {
  const id = childId(rgOf(a, a.m[0]!), o.type, a.m[1]!);
  a.authorize(`${o.type}/delete`, id, o.type);
  const res = a.inv.get(id);
  if (!res) return a.send(204);
  const props = res.properties as JsonObject;
  const before = props.provisioningState;
  props.provisioningState = o.deletingState;
  const op = startLro(a, {
    type: o.type, resourceId: id,
    finish: (status) => {
      if (status !== 'Succeeded') return void (props.provisioningState = before);
      o.removed?.(res);
      a.inv.remove(id);
    },
  });
  const region = String(res.location).replace(/\s+/g, '').toLowerCase();
  a.send(202, undefined, lroHeaders(a, op, o.ns, region, { location: true, statusName: o.statusName }));
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
