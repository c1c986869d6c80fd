// Container registries: checkNameAvailability, LRO create/update/delete, service-computed loginServer.
import { createHash } from 'node:crypto';
import { isRecord } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { childId, getResource, requireLocation, requireRegistered, rgOf, systemData, tagsOf } from './common.ts';
import { armError } from './errors.ts';
import { type ACtx, type ArmRoutes, RG, SUB } from './index.ts';
import { lroDelete, lroHeaders, startLro } from './lro.ts';
import { registryRemoved } from './acrTasks.ts';

const TYPE = 'Microsoft.ContainerRegistry/registries';
const NAME_RE = /^[a-zA-Z0-9]{5,50}$/;
const NAME_RULE = 'Resource names may contain alpha numeric characters only and must be between 5 and 50 characters.';
const SKUS = ['Basic', 'Standard', 'Premium'];
const DNL_SCOPES = ['Unsecure', 'TenantReuse', 'SubscriptionReuse', 'ResourceGroupReuse', 'NoReuse'];

/** roleAssignmentMode values of registries api-version 2025-11-01 (azure-rest-api-specs ...Registry/stable/2025-11-01, RegistryCreateAbac.json). */
const ROLE_ASSIGNMENT_MODES = ['LegacyRegistryPermissions', 'AbacRepositoryPermissions'];

function checkProps(props: JsonObject): void {
  if (props.adminUserEnabled !== undefined && typeof props.adminUserEnabled !== 'boolean') throw armError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'adminUserEnabled must be a boolean'.");
  if (props.roleAssignmentMode !== undefined && !ROLE_ASSIGNMENT_MODES.includes(String(props.roleAssignmentMode))) {
    throw armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'roleAssignmentMode ${String(props.roleAssignmentMode)}'.`);
  }
}

/** The registry that holds `name` (registry names are global, compared case-insensitively). */
function owner(a: ACtx, name: string): JsonObject | undefined {
  return [...a.inv.resources.values()].find((r) => r.type === TYPE && String(r.name).toLowerCase() === name.toLowerCase());
}

function taken(a: ACtx, name: string): boolean {
  return [...a.inv.takenRegistryNames].some((n) => n.toLowerCase() === name.toLowerCase());
}

/** `<name>.azurecr.io`, or `<name>-<hash>.azurecr.io` with a domain-name-label scope (hash stable per scope). */
function loginServer(a: ACtx, rgName: string, name: string, scope: string): string {
  const n = name.toLowerCase();
  if (scope === 'Unsecure') return `${n}.azurecr.io`;
  const seed = { TenantReuse: a.env.dir.tenantId, SubscriptionReuse: a.sub, ResourceGroupReuse: `${a.sub}/${rgName.toLowerCase()}`, NoReuse: `${Date.now()}${Math.random()}` }[scope];
  const hash = createHash('sha256').update(`${seed}|${n}`).digest().readUInt32BE(0).toString(36).padStart(7, '0').slice(0, 7);
  return `${n}-${hash}.azurecr.io`;
}

function policyStatus(props: JsonObject, name: string): string | undefined {
  const policies = isRecord(props.policies) ? props.policies : {};
  const p = isRecord(policies[name]) ? policies[name] : undefined;
  if (p?.status === undefined) return undefined;
  if (p.status !== 'enabled' && p.status !== 'disabled') throw armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'policies.${name}.status ${String(p.status)}'.`);
  return p.status;
}

export function registerRegistries(routes: ArmRoutes): void {
  routes.on('POST', `${SUB}/providers/Microsoft\\.ContainerRegistry/checkNameAvailability`, 'Microsoft.ContainerRegistry/checkNameAvailability', (a) => {
    const body = a.body();
    if (typeof body.name !== 'string') throw armError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'name is required'.");
    if (body.type !== TYPE) throw armError(400, 'InvalidResourceType', `The resource type '${String(body.type)}' is not valid for this operation. Use '${TYPE}'.`);
    if (!NAME_RE.test(body.name)) return a.send(200, { nameAvailable: false, reason: 'Invalid', message: NAME_RULE });
    if (taken(a, body.name) || owner(a, body.name)) return a.send(200, { nameAvailable: false, reason: 'AlreadyExists', message: `The registry ${body.name} is already in use.` });
    a.send(200, { nameAvailable: true });
  });

  const one = `${RG}/providers/Microsoft\\.ContainerRegistry/registries/([^/]+)`;

  routes.on('PUT', one, TYPE, (a) => {
    const [rgName, name] = [a.m[0]!, a.m[1]!];
    if (!NAME_RE.test(name)) throw armError(400, 'InvalidResourceName', NAME_RULE);
    const rg = rgOf(a, rgName, { write: true });
    const id = childId(rg, TYPE, name);
    a.authorize(`${TYPE}/write`, id, TYPE);
    requireRegistered(a, TYPE);
    const body = a.body();
    const region = requireLocation(body, TYPE);
    const sku = isRecord(body.sku) ? body.sku.name : undefined;
    if (typeof sku !== 'string' || !SKUS.includes(sku)) throw armError(400, 'InvalidSku', `The sku '${String(sku)}' is not valid. Valid SKUs are: ${SKUS.join(', ')}.`);
    const props = (isRecord(body.properties) ? body.properties : {}) as JsonObject;
    checkProps(props);
    const existing = a.inv.get(id);
    const holder = owner(a, name);
    if ((holder && holder !== existing) || (!existing && taken(a, name))) {
      throw armError(409, 'AlreadyInUse', `The registry DNS name ${name.toLowerCase()}.azurecr.io is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability`);
    }
    const old = (existing?.properties ?? {}) as JsonObject;
    const dnl = props.autoGeneratedDomainNameLabelScope ?? old.autoGeneratedDomainNameLabelScope ?? 'Unsecure';
    if (typeof dnl !== 'string' || !DNL_SCOPES.includes(dnl)) throw armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'autoGeneratedDomainNameLabelScope ${String(dnl)}'.`);
    // azureADAuthenticationAsArmPolicy (default enabled): whether the data plane's token exchange also accepts
    // ARM-audience tokens (MicrosoftDocs/azure-management-docs articles/container-registry/container-registry-disable-authentication-as-arm.md).
    const armPolicy = policyStatus(props, 'azureADAuthenticationAsArmPolicy') ?? policyStatus(old, 'azureADAuthenticationAsArmPolicy') ?? 'enabled';
    const reg: JsonObject = {
      sku: { name: sku, tier: sku }, type: TYPE, id, name, location: region.name, tags: tagsOf(body) ?? {}, systemData: systemData(a, existing?.systemData as JsonObject | undefined),
      properties: {
        loginServer: old.loginServer ?? loginServer(a, String(rg.name), name, dnl), creationDate: old.creationDate ?? new Date().toISOString(),
        provisioningState: existing ? 'Updating' : 'Creating', adminUserEnabled: props.adminUserEnabled ?? old.adminUserEnabled ?? false,
        policies: {
          quarantinePolicy: { status: 'disabled' }, trustPolicy: { type: 'Notary', status: 'disabled' }, retentionPolicy: { days: 7, lastUpdatedTime: new Date().toISOString(), status: 'disabled' },
          exportPolicy: { status: 'enabled' }, azureADAuthenticationAsArmPolicy: { status: armPolicy },
        },
        encryption: { status: 'disabled' }, dataEndpointEnabled: false, dataEndpointHostNames: [], privateEndpointConnections: [], publicNetworkAccess: props.publicNetworkAccess ?? 'Enabled',
        networkRuleBypassOptions: 'AzureServices', networkRuleBypassAllowedForTasks: false, zoneRedundancy: props.zoneRedundancy ?? 'Disabled', anonymousPullEnabled: false,
        metadataSearch: 'Disabled', roleAssignmentMode: props.roleAssignmentMode ?? old.roleAssignmentMode ?? 'LegacyRegistryPermissions', autoGeneratedDomainNameLabelScope: dnl,
      },
    };
    a.inv.put(reg);
    const op = startLro(a, {
      type: TYPE, resourceId: id,
      finish: (status) => {
        (reg.properties as JsonObject).provisioningState = status;
      },
    });
    a.send(existing ? 200 : 201, reg, lroHeaders(a, op, 'Microsoft.ContainerRegistry', region.name));
  });

  // Registries_Update (PATCH, long-running): tags, sku and the updatable properties, merged into the registry.
  routes.on('PATCH', one, TYPE, (a) => {
    const reg = getResource(a, a.m[0]!, TYPE, a.m[1]!);
    a.authorize(`${TYPE}/write`, String(reg.id), TYPE);
    const body = a.body();
    for (const k of Object.keys(body)) if (!['tags', 'sku', 'identity', 'properties'].includes(k)) throw armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'Could not find member '${k}' on object of type 'RegistryUpdateParameters''.`);
    const props = (isRecord(body.properties) ? body.properties : {}) as JsonObject;
    const updatable = ['adminUserEnabled', 'publicNetworkAccess', 'networkRuleBypassOptions', 'anonymousPullEnabled', 'roleAssignmentMode', 'dataEndpointEnabled', 'policies', 'encryption', 'networkRuleSet'];
    for (const k of Object.keys(props)) if (!updatable.includes(k)) throw armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'Could not find member '${k}' on object of type 'RegistryPropertiesUpdateParameters''.`);
    checkProps(props);
    const tags = tagsOf(body);
    if (tags) reg.tags = tags;
    if (isRecord(body.sku)) {
      const sku = body.sku.name;
      if (typeof sku !== 'string' || !SKUS.includes(sku)) throw armError(400, 'InvalidSku', `The sku '${String(sku)}' is not valid. Valid SKUs are: ${SKUS.join(', ')}.`);
      reg.sku = { name: sku, tier: sku };
    }
    const p = reg.properties as JsonObject;
    const before = p.provisioningState;
    Object.assign(p, props, { provisioningState: 'Updating' });
    reg.systemData = systemData(a, reg.systemData as JsonObject | undefined);
    const op = startLro(a, { type: TYPE, resourceId: String(reg.id), finish: (status) => void (p.provisioningState = status === 'Succeeded' ? 'Succeeded' : before) });
    a.send(200, reg, lroHeaders(a, op, 'Microsoft.ContainerRegistry', String(reg.location)));
  });

  routes.on('GET', one, TYPE, (a) => a.send(200, getResource(a, a.m[0]!, TYPE, a.m[1]!)));

  routes.on('DELETE', one, TYPE, (a) =>
    lroDelete(a, { type: TYPE, ns: 'Microsoft.ContainerRegistry', deletingState: 'Deleting', removed: (reg) => registryRemoved(a, reg) }));
}
