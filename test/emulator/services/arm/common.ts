// Helpers shared by the ARM resource-type modules: resource groups, ids, locations, registration, names.
import type { JsonObject } from '../../types.ts';
import { ALWAYS_REGISTERED, type Region, regionOf, regionsFor } from './catalog.ts';
import { armError, locationRequired, missingRegistration, resourceNotFound, rgNotFound } from './errors.ts';
import type { ACtx } from './index.ts';

export const rgId = (a: ACtx, name: string): string => `/subscriptions/${a.sub}/resourceGroups/${name}`;

/** The stored resource group; for writes it must not be being deleted. */
export function rgOf(a: ACtx, name: string, o: { write?: boolean } = {}): JsonObject {
  const rg = a.inv.get(rgId(a, name));
  if (!rg) throw rgNotFound(name);
  if (o.write && (rg.properties as JsonObject).provisioningState === 'Deleting') {
    throw armError(409, 'ResourceGroupBeingDeleted', `The resource group '${String(rg.name)}' is in deprovisioning state and cannot perform this operation.`);
  }
  return rg;
}

/** `{rg.id}/providers/{ns}/{type}/{name}` with the resource group's stored casing. */
export const childId = (rg: JsonObject, type: string, name: string): string => `${String(rg.id)}/providers/${type}/${name}`;

/** GET semantics: 404 ResourceGroupNotFound or ResourceNotFound. */
export function getResource(a: ACtx, rgName: string, type: string, name: string): JsonObject {
  const rg = rgOf(a, rgName);
  const res = a.inv.get(childId(rg, type, name));
  if (!res) throw resourceNotFound(type, name, String(rg.name));
  return res;
}

/** 409 MissingSubscriptionRegistration unless the namespace of `type` is registered. */
export function requireRegistered(a: ACtx, type: string): void {
  const ns = type.split('/')[0]!;
  if (ALWAYS_REGISTERED.has(ns.toLowerCase())) return;
  if (a.inv.registrationState(ns) !== 'Registered') throw missingRegistration(ns);
}

/** A PUT body's location: required, known, and offered for the type. */
export function requireLocation(body: JsonObject, type: string): Region {
  if (body.location === undefined || body.location === null || body.location === '') throw locationRequired();
  const region = regionOf(body.location);
  const allowed = regionsFor(type);
  if (!region || !allowed.includes(region.name)) {
    throw armError(400, 'LocationNotAvailableForResourceType', `The provided location '${String(body.location)}' is not available for resource type '${type}'. List of available regions for the resource type is '${allowed.join(',')}'.`);
  }
  return region;
}

export function tagsOf(body: JsonObject): Record<string, string> | undefined {
  const t = body.tags;
  if (t === undefined || t === null) return undefined;
  if (typeof t !== 'object' || Array.isArray(t) || Object.values(t).some((v) => typeof v !== 'string')) {
    throw armError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'tags must map names to strings'.");
  }
  return { ...(t as Record<string, string>) };
}

export function systemData(a: ACtx, created?: JsonObject): JsonObject {
  const now = new Date().toISOString();
  const by = a.caller.label;
  const byType = /@/.test(by) ? 'User' : 'Application';
  const c = created ?? { createdBy: by, createdByType: byType, createdAt: now };
  return { createdBy: c.createdBy, createdByType: c.createdByType, createdAt: c.createdAt, lastModifiedBy: by, lastModifiedByType: byType, lastModifiedAt: now };
}

/** Run the per-type latency of a synchronous write. */
export function latency(a: ACtx, type: string): Promise<void> {
  return a.env.timing.sleep(a.env.timing.latency(type));
}

export function checkName(name: string, re: RegExp, type: string, rule: string): void {
  if (!re.test(name)) throw armError(400, 'InvalidResourceName', `The resource name '${name}' is invalid for resource type '${type}'. ${rule}`);
}

