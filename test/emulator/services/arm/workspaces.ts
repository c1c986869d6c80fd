// Log Analytics workspaces (synchronous PUT after the type's latency) and their shared keys.
import { randomBytes } from 'node:crypto';
import { guid, isRecord } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { checkName, childId, getResource, latency, requireLocation, requireRegistered, rgOf, systemData, tagsOf } from './common.ts';
import { armError } from './errors.ts';
import { type ArmRoutes, RG } from './index.ts';

export const WORKSPACE_TYPE = 'Microsoft.OperationalInsights/workspaces';
const SKUS = ['Free', 'Standard', 'Premium', 'PerNode', 'PerGB2018', 'Standalone', 'CapacityReservation', 'LACluster'];

/** The workspace whose customerId is given, anywhere in the subscription. */
export function workspaceByCustomerId(resources: Iterable<JsonObject>, customerId: string): JsonObject | undefined {
  for (const r of resources) {
    if (r.type === WORKSPACE_TYPE && String((r.properties as JsonObject).customerId).toLowerCase() === customerId.toLowerCase()) return r;
  }
  return undefined;
}

export function registerWorkspaces(routes: ArmRoutes): void {
  const one = `${RG}/providers/Microsoft\\.OperationalInsights/workspaces/([^/]+)`;

  routes.on('PUT', one, WORKSPACE_TYPE, async (a) => {
    const [rgName, name] = [a.m[0]!, a.m[1]!];
    checkName(name, /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/, WORKSPACE_TYPE, 'The workspace name must be 4 to 63 characters, contain only letters, digits and hyphens, and start and end with a letter or digit.');
    const rg = rgOf(a, rgName, { write: true });
    const id = childId(rg, WORKSPACE_TYPE, name);
    a.authorize(`${WORKSPACE_TYPE}/write`, id, WORKSPACE_TYPE);
    requireRegistered(a, WORKSPACE_TYPE);
    const body = a.body();
    const region = requireLocation(body, WORKSPACE_TYPE);
    const props = (isRecord(body.properties) ? body.properties : {}) as JsonObject;
    const skuName = isRecord(props.sku) ? props.sku.name : 'PerGB2018';
    if (typeof skuName !== 'string' || !SKUS.includes(skuName)) throw armError(400, 'InvalidParameter', `The sku '${String(skuName)}' is not valid. Valid values are: ${SKUS.join(', ')}.`);
    const retention = props.retentionInDays ?? 30;
    if (typeof retention !== 'number' || !Number.isInteger(retention) || retention < 30 || retention > 730) {
      throw armError(400, 'InvalidParameter', `'RetentionInDays' property value is out of range. Valid range is 30 to 730 days, got '${String(retention)}'.`);
    }
    const existing = a.inv.get(id);
    if (existing && existing.location !== region.name) throw armError(409, 'InvalidResourceLocation', `The resource '${name}' already exists in location '${String(existing.location)}' in resource group '${String(rg.name)}'. A resource with the same name cannot be created in location '${region.name}'. Please select a new resource name.`);
    await latency(a, WORKSPACE_TYPE);
    const now = new Date().toISOString();
    const old = (existing?.properties ?? {}) as JsonObject;
    const ws: JsonObject = {
      properties: {
        customerId: old.customerId ?? guid(), provisioningState: 'Succeeded', sku: { name: skuName, lastSkuUpdate: old.createdDate ?? now }, retentionInDays: retention,
        features: { legacy: 0, searchVersion: 1, enableLogAccessUsingOnlyResourcePermissions: true }, workspaceCapping: { dailyQuotaGb: -1.0, dataIngestionStatus: 'RespectQuota' },
        publicNetworkAccessForIngestion: props.publicNetworkAccessForIngestion ?? 'Enabled', publicNetworkAccessForQuery: props.publicNetworkAccessForQuery ?? 'Enabled',
        createdDate: old.createdDate ?? now, modifiedDate: now,
      },
      location: region.name, tags: tagsOf(body) ?? {}, id, name, type: WORKSPACE_TYPE, etag: `"${guid()}"`,
      systemData: systemData(a, existing?.systemData as JsonObject | undefined),
    };
    a.inv.put(ws);
    if (!a.inv.secrets.has(id.toLowerCase())) {
      a.inv.secrets.set(id.toLowerCase(), { primarySharedKey: randomBytes(64).toString('base64'), secondarySharedKey: randomBytes(64).toString('base64') });
    }
    a.send(existing ? 200 : 201, ws);
  });

  routes.on('GET', one, WORKSPACE_TYPE, (a) => a.send(200, getResource(a, a.m[0]!, WORKSPACE_TYPE, a.m[1]!)));

  routes.on('DELETE', one, WORKSPACE_TYPE, async (a) => {
    const rg = rgOf(a, a.m[0]!);
    const id = childId(rg, WORKSPACE_TYPE, a.m[1]!);
    a.authorize(`${WORKSPACE_TYPE}/delete`, id, WORKSPACE_TYPE);
    if (!a.inv.get(id)) return a.send(204);
    await latency(a, WORKSPACE_TYPE);
    a.inv.remove(id);
    a.send(200);
  });

  routes.on('POST', `${one}/sharedKeys`, WORKSPACE_TYPE, (a) => {
    const ws = getResource(a, a.m[0]!, WORKSPACE_TYPE, a.m[1]!);
    a.authorize(`${WORKSPACE_TYPE}/sharedKeys/action`, String(ws.id), WORKSPACE_TYPE);
    a.send(200, a.inv.secrets.get(String(ws.id).toLowerCase()));
  });
}
