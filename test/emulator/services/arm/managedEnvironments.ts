// Container Apps managed environments: LRO create/update/delete with Azure-AsyncOperation on the emulator.
import { randomBytes, randomInt } from 'node:crypto';
import { isRecord } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { checkName, childId, getResource, requireLocation, requireRegistered, rgOf, systemData, tagsOf } from './common.ts';
import { verificationId } from './customDomains.ts';
import { armError } from './errors.ts';
import { type ACtx, type ArmRoutes, RG } from './index.ts';
import { lroDelete, lroHeaders, startLro } from './lro.ts';
import { workspaceByCustomerId } from './workspaces.ts';

const TYPE = 'Microsoft.App/managedEnvironments';
const WORDS = ['happy', 'gentle', 'brave', 'calm', 'lively', 'proud', 'quiet', 'witty', 'ashy', 'blue', 'green', 'mango', 'river', 'stone', 'hill', 'sea', 'pond', 'moss'];

const invalidLogs = (detail: string): Error =>
  armError(400, 'InvalidRequestParameterWithDetails', 'LogAnalyticsConfiguration is invalid.  Must provide a valid LogAnalyticsConfiguration', [
    { code: 'InvalidRequestParameterWithDetails', message: detail },
  ]);

/** appLogsConfiguration must point at an existing workspace with its real shared key. */
function checkLogs(a: ACtx, props: JsonObject): JsonObject {
  const logs = props.appLogsConfiguration;
  if (!isRecord(logs) || logs.destination !== 'log-analytics') throw invalidLogs("properties.appLogsConfiguration.destination must be 'log-analytics'.");
  const la = logs.logAnalyticsConfiguration;
  if (!isRecord(la) || typeof la.customerId !== 'string' || typeof la.sharedKey !== 'string') throw invalidLogs('logAnalyticsConfiguration needs customerId and sharedKey.');
  const ws = workspaceByCustomerId(a.inv.resources.values(), la.customerId);
  if (!ws) throw invalidLogs(`No Log Analytics workspace with customerId '${la.customerId}' was found.`);
  const keys = a.inv.secrets.get(String(ws.id).toLowerCase()) ?? {};
  if (la.sharedKey !== keys.primarySharedKey && la.sharedKey !== keys.secondarySharedKey) throw invalidLogs(`The sharedKey is not a key of workspace '${String(ws.name)}'.`);
  return { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: la.customerId.toLowerCase(), sharedKey: null, dynamicJsonColumns: la.dynamicJsonColumns ?? false } };
}

export function registerManagedEnvironments(routes: ArmRoutes): void {
  const one = `${RG}/providers/Microsoft\\.App/managedEnvironments/([^/]+)`;

  routes.on('PUT', one, TYPE, (a) => {
    const [rgName, name] = [a.m[0]!, a.m[1]!];
    checkName(name, /^(?!.*--)[a-z][a-z0-9-]{0,58}[a-z0-9]$/, TYPE,
      "A name must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character and cannot have '--'. The length must not be more than 60 characters.");
    const rg = rgOf(a, rgName, { write: true });
    const id = childId(rg, TYPE, name);
    a.authorize(`${TYPE}/write`, id, TYPE);
    requireRegistered(a, TYPE);
    const body = a.body();
    const region = requireLocation(body, TYPE);
    const props = (isRecord(body.properties) ? body.properties : {}) as JsonObject;
    const logs = checkLogs(a, props);
    const existing = a.inv.get(id);
    const old = (existing?.properties ?? {}) as JsonObject;
    if (existing && old.provisioningState !== 'Succeeded' && old.provisioningState !== 'Failed') {
      throw armError(409, 'ManagedEnvironmentNotReadyForAppCreation', `The environment '${name}' is in provisioning state '${String(old.provisioningState)}' and cannot be updated now. Please retry later.`);
    }
    const profiles = Array.isArray(props.workloadProfiles) ? props.workloadProfiles : old.workloadProfiles ?? null;
    const env: JsonObject = {
      id, name, type: TYPE, location: region.displayName, tags: tagsOf(body) ?? {}, systemData: systemData(a, existing?.systemData as JsonObject | undefined),
      properties: {
        provisioningState: 'Waiting', daprAIInstrumentationKey: null, daprAIConnectionString: null, vnetConfiguration: null,
        defaultDomain: old.defaultDomain ?? `${WORDS[randomInt(WORDS.length)]}-${WORDS[randomInt(WORDS.length)]}-${randomBytes(4).toString('hex')}.${region.name}.azurecontainerapps.io`,
        staticIp: old.staticIp ?? `20.${randomInt(1, 255)}.${randomInt(0, 255)}.${randomInt(1, 255)}`, appLogsConfiguration: logs, zoneRedundant: props.zoneRedundant === true,
        kedaConfiguration: { version: '2.17.2' }, daprConfiguration: { version: '1.13.6-msft.6' },
        eventStreamEndpoint: `https://${region.name}.azurecontainerapps.dev/subscriptions/${a.sub}/resourceGroups/${String(rg.name)}/managedEnvironments/${name}/eventstream`,
        customDomainConfiguration: { customDomainVerificationId: verificationId(a.sub), dnsSuffix: null, certificateKeyVaultProperties: null, expirationDate: null, thumbprint: null, subjectName: null },
        workloadProfiles: profiles, appInsightsConfiguration: null, openTelemetryConfiguration: null, infrastructureResourceGroup: props.infrastructureResourceGroup ?? null,
        peerAuthentication: { mtls: { enabled: false } }, peerTrafficConfiguration: { encryption: { enabled: false } }, publicNetworkAccess: props.publicNetworkAccess ?? 'Enabled',
      },
    };
    a.inv.put(env);
    const op = startLro(a, {
      type: TYPE, resourceId: id,
      finish: (status) => {
        (env.properties as JsonObject).provisioningState = status === 'Succeeded' ? 'Succeeded' : 'Failed';
      },
    });
    a.send(existing ? 200 : 201, env, lroHeaders(a, op, 'Microsoft.App', region.name, { statusName: 'managedEnvironmentOperationStatuses' }));
  });

  routes.on('GET', one, TYPE, (a) => a.send(200, getResource(a, a.m[0]!, TYPE, a.m[1]!)));

  routes.on('DELETE', one, TYPE, (a) =>
    lroDelete(a, { type: TYPE, ns: 'Microsoft.App', deletingState: 'ScheduledForDelete', statusName: 'managedEnvironmentOperationStatuses' }));
}
