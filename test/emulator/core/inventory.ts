// ARM state: the resource inventory (stored exactly as GET returns it), long-running operations,
// provider registration and the ARM scenario switches.
import { guid } from './http.ts';
import type { ArmErrorInfo, JsonObject } from '../types.ts';

export interface ArmOperation {
  id: string;
  /** Resource type the latency/failure switches are keyed by. */
  type: string;
  resourceId: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  doneAt: number;
  error?: ArmErrorInfo;
  /** Applied once when the operation settles (Succeeded or Failed). */
  finish(status: 'Succeeded' | 'Failed'): void;
  /** Asked once when the operation is due: an error makes it end Failed (e.g. a managed certificate's DNS validation). */
  check?(): ArmErrorInfo | undefined;
}

export interface ProviderState {
  state: 'Registered' | 'NotRegistered' | 'Registering' | 'Unregistering';
  until: number;
}

const lc = (s: string): string => s.toLowerCase();

export class ArmInventory {
  readonly resources = new Map<string, JsonObject>();
  readonly ops = new Map<string, ArmOperation>();
  readonly providers = new Map<string, ProviderState>();
  /** Secrets never returned by GET (workspace shared keys), keyed by lower-cased resource id. */
  readonly secrets = new Map<string, JsonObject>();
  /** api-version values seen, per resource type (or route kind). */
  readonly apiVersions = new Map<string, Set<string>>();
  /** Switches. */
  readonly takenRegistryNames = new Set<string>();
  readonly deniedWriters = new Map<string, string[] | null>();
  forcePrincipalNotFound = 0;
  /**
   * Retry-After (seconds) on long-running-operation responses, as ARM sends it ("the client should wait
   * Retry-After before polling", learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
   * On by default (1 s) so clients are tested honouring it; undefined omits it.
   */
  retryAfter: number | undefined = 1;
  readonly failNext = new Map<string, ArmErrorInfo>();

  get(id: string): JsonObject | undefined {
    return this.resources.get(lc(id));
  }

  put(resource: JsonObject): JsonObject {
    this.resources.set(lc(String(resource.id)), resource);
    return resource;
  }

  /** Remove a resource, everything below it, and role assignments scoped at or below it. */
  remove(id: string): void {
    const key = lc(id);
    for (const k of [...this.resources.keys()]) {
      if (k === key || k.startsWith(`${key}/`)) {
        this.resources.delete(k);
        this.secrets.delete(k);
      }
    }
  }

  /** Resources whose id is below `prefix` (lower-cased comparison). */
  below(prefix: string): JsonObject[] {
    const p = `${lc(prefix)}/`;
    return [...this.resources.entries()].filter(([k]) => k.startsWith(p)).map(([, v]) => v);
  }

  startOperation(o: Omit<ArmOperation, 'id' | 'status' | 'startTime'>): ArmOperation {
    const op: ArmOperation = { ...o, id: guid(), status: 'InProgress', startTime: new Date().toISOString() };
    const fail = this.failNext.get(lc(o.type));
    if (fail) {
      this.failNext.delete(lc(o.type));
      op.error = fail;
    }
    this.ops.set(op.id, op);
    return op;
  }

  /** Complete operations and provider (un)registrations whose time has come. Called on every ARM request. */
  settle(now = Date.now()): void {
    for (const op of this.ops.values()) {
      if (op.status !== 'InProgress' || op.doneAt > now) continue;
      op.error ??= op.check?.();
      op.status = op.error ? 'Failed' : 'Succeeded';
      op.endTime = new Date().toISOString();
      op.finish(op.status);
    }
    for (const p of this.providers.values()) {
      if (p.until > now) continue;
      if (p.state === 'Registering') p.state = 'Registered';
      if (p.state === 'Unregistering') p.state = 'NotRegistered';
    }
  }

  registrationState(ns: string): ProviderState['state'] {
    return this.providers.get(lc(ns))?.state ?? 'Registered';
  }

  setRegistration(ns: string, state: ProviderState['state'], until = 0): void {
    this.providers.set(lc(ns), { state, until });
  }

  recordApiVersion(kind: string, v: string): void {
    const set = this.apiVersions.get(kind) ?? new Set<string>();
    set.add(v);
    this.apiVersions.set(kind, set);
  }

  /** The 403 switch: is `oid` denied writes on `type`? */
  denied(oid: string, type: string): boolean {
    if (!this.deniedWriters.has(lc(oid))) return false;
    const types = this.deniedWriters.get(lc(oid));
    return types === null || types === undefined || types.some((t) => lc(t) === lc(type));
  }

  snapshot(): JsonObject[] {
    this.settle();
    return structuredClone([...this.resources.values()]);
  }
}
