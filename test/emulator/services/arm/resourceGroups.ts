// Resource groups: PUT / GET / HEAD / DELETE (LRO with Location), list with tag filter, resources in a group.
import type { JsonObject } from '../../types.ts';
import { regionOf, REGIONS } from './catalog.ts';
import { latency, rgId, rgOf, tagsOf } from './common.ts';
import { armError, locationRequired, rgNotFound } from './errors.ts';
import { registryRemoved } from './acrTasks.ts';
import { containerAppRemoved } from './containerApps.ts';
import { dnsZoneRemoved } from './dnsZones.ts';
import { identityRemoved } from './identities.ts';
import { type ArmRoutes, SUB } from './index.ts';
import { locationHeader, startLro } from './lro.ts';

const TYPE = 'Microsoft.Resources/resourceGroups';

function checkName(name: string): void {
  const bad = [...new Set(name.replace(/[\p{L}\p{N}\-_.()]/gu, ''))].join('');
  if (name.length > 90 || bad !== '' || name.endsWith('.')) {
    const why = bad !== '' ? `has these invalid characters: '${bad}'` : name.length > 90 ? 'is too long' : "ends with '.'";
    throw armError(400, 'InvalidResourceGroup', `The provided resource group name '${name}' ${why}. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.`);
  }
}

/** The `$filter` forms ARM supports on resource groups: tagName eq 'x' [and tagValue eq 'y']. */
function filterPredicate(filter: string | null): (rg: JsonObject) => boolean {
  if (filter === null || filter.trim() === '') return () => true;
  const m = /^\s*tagName\s+eq\s+'((?:[^']|'')*)'\s*(?:and\s+tagValue\s+eq\s+'((?:[^']|'')*)'\s*)?$/i.exec(filter);
  if (!m) throw armError(400, 'InvalidFilterInQueryString', `Invalid $filter '${filter}' specified in the query string.`);
  const name = m[1]!.replace(/''/g, "'").toLowerCase();
  const value = m[2]?.replace(/''/g, "'");
  return (rg) => {
    const tags = (rg.tags ?? {}) as Record<string, string>;
    const key = Object.keys(tags).find((k) => k.toLowerCase() === name);
    return key !== undefined && (value === undefined || tags[key] === value);
  };
}

const isRg = (r: JsonObject): boolean => r.type === TYPE;

/** The generic shape `GET .../resources` lists (no properties). */
function generic(r: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of ['id', 'name', 'type', 'sku', 'kind', 'managedBy', 'location', 'identity', 'tags', 'systemData']) if (r[k] !== undefined) out[k] = r[k];
  return out;
}

export function registerResourceGroups(routes: ArmRoutes): void {
  const one = `${SUB}/resourceGroups/([^/]+)`;

  routes.on('PUT', one, TYPE, async (a) => {
    const name = a.m[0]!;
    checkName(name);
    const body = a.body();
    const existing = a.inv.get(rgId(a, name));
    a.authorize('Microsoft.Resources/subscriptions/resourceGroups/write', rgId(a, existing ? String(existing.name) : name), TYPE);
    if (body.location === undefined || body.location === '') throw locationRequired();
    const region = regionOf(body.location);
    if (!region) throw armError(400, 'LocationNotAvailableForResourceGroup', `The provided location '${String(body.location)}' is not available for resource group. List of available regions is '${REGIONS.map((r) => r.name).join(',')}'.`);
    const tags = tagsOf(body);
    if (existing) {
      if ((existing.properties as JsonObject).provisioningState === 'Deleting') rgOf(a, name, { write: true });
      if (existing.location !== region.name) {
        throw armError(409, 'InvalidResourceGroupLocation', `Invalid resource group location '${region.name}'. The Resource group already exists in location '${String(existing.location)}'.`);
      }
    }
    await latency(a, TYPE);
    const rg: JsonObject = { id: rgId(a, existing ? String(existing.name) : name), name: existing ? existing.name : name, type: TYPE, location: region.name };
    if (tags) rg.tags = tags;
    if (typeof body.managedBy === 'string') rg.managedBy = body.managedBy;
    rg.properties = { provisioningState: 'Succeeded' };
    a.inv.put(rg);
    a.send(existing ? 200 : 201, rg);
  });

  routes.on('GET', one, TYPE, (a) => a.send(200, rgOf(a, a.m[0]!)));
  routes.on('HEAD', one, TYPE, (a) => a.send(a.inv.get(rgId(a, a.m[0]!)) ? 204 : 404));

  routes.on('DELETE', one, TYPE, (a) => {
    const rg = a.inv.get(rgId(a, a.m[0]!));
    if (!rg) throw rgNotFound(a.m[0]!);
    a.authorize('Microsoft.Resources/subscriptions/resourceGroups/delete', String(rg.id), TYPE);
    (rg.properties as JsonObject).provisioningState = 'Deleting';
    const op = startLro(a, {
      type: TYPE, resourceId: String(rg.id),
      finish: (status) => {
        if (status === 'Failed') {
          (rg.properties as JsonObject).provisioningState = 'Succeeded';
          return;
        }
        // Everything inside goes too: resources, role assignments scoped below, identities' principals.
        for (const r of a.inv.below(String(rg.id))) {
          identityRemoved(a, r);
          registryRemoved(a, r);
          containerAppRemoved(a, r);
          dnsZoneRemoved(a, r);
        }
        a.inv.remove(String(rg.id));
      },
    });
    a.send(202, undefined, locationHeader(a, op));
  });

  routes.on('GET', `${SUB}/resourceGroups`, TYPE, (a) => {
    const pred = filterPredicate(a.ctx.query.get('$filter'));
    const value = [...a.inv.resources.values()].filter((r) => isRg(r) && pred(r));
    const top = Number(a.ctx.query.get('$top') ?? value.length);
    a.send(200, { value: value.slice(0, Number.isInteger(top) && top > 0 ? top : value.length) });
  });

  routes.on('GET', `${one}/resources`, 'Microsoft.Resources/resources', (a) => {
    const rg = rgOf(a, a.m[0]!);
    const filter = a.ctx.query.get('$filter');
    const m = filter === null ? null : /^\s*resourceType\s+eq\s+'([^']*)'\s*$/i.exec(filter);
    if (filter !== null && !m) throw armError(400, 'InvalidFilterInQueryString', `Invalid $filter '${filter}' specified in the query string.`);
    // Top-level resources only: no role assignments, no child resources (runs, revisions).
    const value = a.inv.below(String(rg.id)).filter((r) => r.type !== 'Microsoft.Authorization/roleAssignments' && String(r.type).split('/').length === 2 && (!m || String(r.type).toLowerCase() === m[1]!.toLowerCase()));
    a.send(200, { value: value.map(generic) });
  });
}

