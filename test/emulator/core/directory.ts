// Directory state of the emulated tenant: applications, users, the managed identity, resources.
import { randomBytes } from 'node:crypto';
import { guid, GUID_RE, isRecord } from './http.ts';
import { FIRST_PARTY } from './wellKnown.ts';
import type { Application, ConsentKey, DirectoryLink, ManagedIdentity, User } from '../types.ts';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const ARM_RESOURCE = 'https://management.azure.com';

/**
 * The Azure clouds the emulator can play: where Entra issues tokens from (`iss` of managed-identity
 * tokens, whatever host a client was pointed at) and the token-exchange audience the managed-identity
 * endpoint serves. Each cloud knows only its own audience. Source: learn.microsoft.com/entra/workload-id/
 * workload-identity-federation-config-app-trust-managed-identity ("Public cloud: api://AzureADTokenExchange,
 * Fairfax: ...USGov, Mooncake: ...China"); hosts from learn.microsoft.com/entra/identity-platform/authentication-national-cloud.
 */
export const CLOUDS = {
  AzureCloud: {
    authorityHost: 'https://login.microsoftonline.com', tokenExchangeAudience: 'api://AzureADTokenExchange',
    graphResource: GRAPH_RESOURCE, armResources: [ARM_RESOURCE, 'https://management.core.windows.net'],
  },
  AzureUSGovernment: {
    authorityHost: 'https://login.microsoftonline.us', tokenExchangeAudience: 'api://AzureADTokenExchangeUSGov',
    graphResource: 'https://graph.microsoft.us', armResources: ['https://management.usgovcloudapi.net', 'https://management.core.usgovcloudapi.net'],
  },
  AzureChinaCloud: {
    authorityHost: 'https://login.chinacloudapi.cn', tokenExchangeAudience: 'api://AzureADTokenExchangeChina',
    graphResource: 'https://microsoftgraph.chinacloudapi.cn', armResources: ['https://management.chinacloudapi.cn', 'https://management.core.chinacloudapi.cn'],
  },
} as const;
export type EmulatedCloud = keyof typeof CLOUDS;
/** VS Code's first-party client id: the default `azp` of minted user tokens. */
export const VSCODE_CLIENT_ID = 'aebc6443-996d-45c2-90f0-388ff96faa56';

export type ResourceKey = ConsentKey | 'arm' | 'acr' | 'app';

export interface Resource {
  key: ResourceKey;
  appId: string;
  displayName: string;
  /** Identifiers a scope may use for this resource (compared case-insensitively, no trailing slash). */
  identifiers: string[];
  /** Delegated scopes the resource publishes. */
  scopes: string[];
  app?: Application;
}

export function newSecret(): string {
  return `${randomBytes(3).toString('base64url')}8Q~${randomBytes(27).toString('base64url')}`;
}

const norm = (s: string): string => s.replace(/\/+$/, '').toLowerCase();

const STRING_FIELDS = ['displayName', 'givenName', 'surname', 'mail', 'userPrincipalName'] as const;
const NULLABLE_FIELDS = ['jobTitle', 'department', 'officeLocation', 'mobilePhone', 'preferredLanguage'] as const;

/** Validate an untrusted partial user (control API). Throws TypeError. */
export function parseUserPatch(v: unknown, allowOid: boolean): Partial<User> {
  if (!isRecord(v)) throw new TypeError('user must be a JSON object');
  const out: Partial<User> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'oid' || k === 'devopsProfileId') {
      if (!allowOid) throw new TypeError(`${k} cannot be changed`);
      if (typeof val !== 'string' || !GUID_RE.test(val)) throw new TypeError(`${k} must be a GUID`);
      out[k] = val.toLowerCase();
    } else if ((STRING_FIELDS as readonly string[]).includes(k)) {
      if (typeof val !== 'string') throw new TypeError(`${k} must be a string`);
      out[k as (typeof STRING_FIELDS)[number]] = val;
    } else if ((NULLABLE_FIELDS as readonly string[]).includes(k)) {
      if (val !== null && typeof val !== 'string') throw new TypeError(`${k} must be a string or null`);
      out[k as (typeof NULLABLE_FIELDS)[number]] = val;
    } else if (k === 'businessPhones' || k === 'devopsOrgs') {
      if (!Array.isArray(val) || val.some((x) => typeof x !== 'string')) throw new TypeError(`${k} must be an array of strings`);
      out[k] = [...(val as string[])];
    } else if (k === 'assigned' || k === 'mfaRequired') {
      if (typeof val !== 'boolean') throw new TypeError(`${k} must be a boolean`);
      out[k] = val;
    } else {
      throw new TypeError(`unknown user property '${k}'`);
    }
  }
  return out;
}

export class Directory {
  readonly url: string;
  readonly cloud: EmulatedCloud;
  readonly tenantId = guid();
  readonly subscriptionId = guid();
  readonly tenantDomain = 'mcpoboemu.onmicrosoft.com';
  readonly users = new Map<string, User>();
  readonly applications: Application[] = [];
  readonly managedIdentity: ManagedIdentity;
  /** User-assigned identities created through ARM (served by the MI endpoint too). */
  readonly extraIdentities: ManagedIdentity[] = [];
  /** Set by the Graph store: assignment, consent and app roles of Graph-managed apps. */
  link: DirectoryLink | undefined;
  /** Client ids a Conditional Access policy blocks (AADSTS53003 once their credential checks out). */
  readonly blockedByConditionalAccess = new Set<string>();
  readonly deployer: Application;
  readonly serverApp: Application;
  readonly defaultUser: User;

  constructor(url: string, cloud: EmulatedCloud = 'AzureCloud') {
    this.url = url;
    this.cloud = cloud;
    const principalId = guid();
    this.managedIdentity = {
      clientId: guid(),
      principalId,
      resourceId: `/subscriptions/${this.subscriptionId}/resourceGroups/mcp-obo-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mcp-obo-mi`,
    };
    this.deployer = this.#newApp('mcp-obo-deployer', { appRoleAssignmentRequired: false, consentGranted: { graph: false, devops: false } });
    const serverApp = this.#newApp('mcp-obo-server', {
      publishedScopes: ['access_as_user'],
      delegatedPermissions: { graph: ['User.Read'], devops: ['vso.profile'] },
      consentGranted: { graph: true, devops: true },
      appRoleAssignmentRequired: true,
      // What `mcp-obo provision` registers for the authorization facade's local callback (any port, see authorize.ts).
      webRedirectUris: ['http://localhost:8000/oauth/callback'],
    });
    serverApp.federatedCredentials.push({ name: 'mcp-obo-mi', issuer: this.miIssuer, subject: principalId, audiences: [this.tokenExchangeAudience] });
    this.serverApp = serverApp;
    this.defaultUser = this.addUser({
      displayName: 'Adele Vance', givenName: 'Adele', surname: 'Vance', mail: `AdeleV@${this.tenantDomain}`, userPrincipalName: `AdeleV@${this.tenantDomain}`,
      jobTitle: 'Retail Manager', department: 'Retail', officeLocation: '18/2111', businessPhones: ['+1 425 555 0109'], preferredLanguage: 'en-US',
      devopsOrgs: ['contoso', 'fabrikam'],
    });
  }

  get v2Issuer(): string {
    return `${this.url}/${this.tenantId}/v2.0`;
  }

  get v1Issuer(): string {
    return `${this.url}/${this.tenantId}/`;
  }

  /**
   * `iss` of managed-identity tokens for the token-exchange audience: the cloud's real authority, not
   * the emulator's URL. In Azure the managed-identity endpoint does not care which authority host a
   * client was configured with, so a federated credential must name the cloud's issuer to match.
   */
  get miIssuer(): string {
    return `${CLOUDS[this.cloud].authorityHost}/${this.tenantId}/v2.0`;
  }

  get tokenExchangeAudience(): string {
    return CLOUDS[this.cloud].tokenExchangeAudience;
  }

  /** The cloud's Microsoft Graph and ARM audiences (besides the emulator's own URL for Graph). */
  get graphResource(): string {
    return CLOUDS[this.cloud].graphResource;
  }

  get armResources(): string[] {
    return [...CLOUDS[this.cloud].armResources];
  }

  /** True when `segment` names this tenant (GUID or domain, case-insensitive). */
  isTenant(segment: string): boolean {
    const s = segment.toLowerCase();
    return s === this.tenantId || s === this.tenantDomain;
  }

  #newApp(displayName: string, o: Partial<Application>): Application {
    const clientId = guid();
    const app: Application = {
      displayName, clientId, objectId: guid(), spObjectId: guid(), secrets: [newSecret()], federatedCredentials: [],
      identifierUris: [`api://${clientId}`], publishedScopes: [], delegatedPermissions: {}, consentGranted: { graph: false, devops: false },
      appRoleAssignmentRequired: false, ...o,
    };
    this.applications.push(app);
    return app;
  }

  /** Make an application (created through Graph) known to the token endpoint. */
  registerApp(app: Application): void {
    if (!this.applications.includes(app)) this.applications.push(app);
  }

  unregisterApp(app: Application): void {
    const i = this.applications.indexOf(app);
    if (i !== -1) this.applications.splice(i, 1);
  }

  managedIdentities(): ManagedIdentity[] {
    return [this.managedIdentity, ...this.extraIdentities];
  }

  findApp(clientId: string): Application | undefined {
    const id = clientId.toLowerCase();
    return this.applications.find((a) => a.clientId === id);
  }

  addUser(partial: Partial<User> = {}): User {
    const { oid: givenOid, ...rest } = partial;
    const oid = (givenOid ?? guid()).toLowerCase();
    if (this.users.has(oid)) throw new TypeError(`user ${oid} already exists`);
    const tag = randomBytes(3).toString('hex');
    const upn = partial.userPrincipalName ?? `user${tag}@${this.tenantDomain}`;
    const user: User = {
      oid, displayName: `Test User ${tag}`, givenName: 'Test', surname: `User ${tag}`, mail: upn, userPrincipalName: upn,
      jobTitle: null, department: null, officeLocation: null, businessPhones: [], mobilePhone: null, preferredLanguage: null,
      devopsOrgs: [], devopsProfileId: guid(), assigned: true, mfaRequired: false, ...rest,
    };
    this.users.set(user.oid, user);
    return user;
  }

  getUser(oid: string): User | undefined {
    return this.users.get(oid.toLowerCase());
  }

  setUser(oid: string, patch: Partial<User>): User {
    const u = this.getUser(oid);
    if (!u) throw new RangeError(`user ${oid} not found`);
    const { oid: _ignored, ...rest } = patch;
    Object.assign(u, rest);
    return u;
  }

  setConsent(key: ConsentKey, granted: boolean): void {
    this.serverApp.consentGranted[key] = granted;
  }

  /** The delegated permissions admin-consented for the built-in server app on a resource (what `mcp-obo consent` would grant). */
  setConsentedScopes(key: ConsentKey, scopes: string[]): void {
    this.serverApp.delegatedPermissions[key] = [...scopes];
    this.serverApp.consentGranted[key] = scopes.length > 0;
  }

  resources(): Resource[] {
    const fixed: Resource[] = [
      {
        key: 'graph', appId: GRAPH_APP_ID, displayName: 'Microsoft Graph', identifiers: [this.graphResource, this.url, GRAPH_APP_ID],
        scopes: FIRST_PARTY.graph.scopes.map((s) => s.value),
      },
      { key: 'devops', appId: DEVOPS_APP_ID, displayName: 'Azure DevOps', identifiers: [DEVOPS_APP_ID, 'https://app.vssps.visualstudio.com'], scopes: FIRST_PARTY.devops.scopes.map((s) => s.value) },
      { key: 'arm', appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013', displayName: 'Windows Azure Service Management API', identifiers: this.armResources, scopes: ['user_impersonation'] },
      // The registry service's own audience (`az login --scope https://containerregistry.azure.net/.default`).
      { key: 'acr', appId: '6a0ec4d3-30cb-4a83-91c0-ae56bc0e3d26', displayName: 'Azure Container Registry', identifiers: ['https://containerregistry.azure.net'], scopes: ['user_impersonation'] },
    ];
    // A Graph-managed app is a resource only once its service principal exists (AADSTS500011 before).
    const apps: Resource[] = this.applications.filter((a) => !a.graphManaged || a.spObjectId !== '').map((a) => ({
      key: 'app', appId: a.clientId, displayName: a.displayName, identifiers: [a.clientId, ...a.identifierUris], scopes: a.publishedScopes, app: a,
    }));
    return [...fixed, ...apps];
  }

  /** The resource a scope prefix names, matched case-insensitively and without trailing slash. */
  resolveResource(identifier: string): Resource | undefined {
    const id = norm(identifier);
    return this.resources().find((r) => r.identifiers.some((x) => norm(x) === id));
  }

  snapshot(): { tenantId: string; tenantDomain: string; applications: Application[]; users: User[]; managedIdentities: ManagedIdentity[] } {
    return structuredClone({
      tenantId: this.tenantId, tenantDomain: this.tenantDomain, applications: this.applications, users: [...this.users.values()], managedIdentities: this.managedIdentities(),
    });
  }
}
