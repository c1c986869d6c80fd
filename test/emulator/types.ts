// Shared types of the test emulator (data only, no behaviour).

export interface User {
  oid: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string;
  userPrincipalName: string;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  businessPhones: string[];
  mobilePhone: string | null;
  preferredLanguage: string | null;
  /** Azure DevOps organisations the user belongs to (account names). */
  devopsOrgs: string[];
  /** Azure DevOps profile id (stable per user, distinct from oid). */
  devopsProfileId: string;
  /** false -> OBO for an app with appRoleAssignmentRequired fails with AADSTS50105. */
  assigned: boolean;
  /** true -> OBO fails with interaction_required AADSTS50076 and a claims challenge. */
  mfaRequired: boolean;
  /**
   * Epoch seconds of the last session revocation (revokeSignInSessions, a password reset):
   * Graph answers CAE-capable tokens (xms_cc CP1) issued before it with a claims challenge.
   */
  revokedAt?: number;
}

export interface FederatedIdentityCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

/** Keys of the downstream resources an app can hold delegated consent for. */
export type ConsentKey = 'graph' | 'devops';

export interface Application {
  displayName: string;
  /** appId / client id. */
  clientId: string;
  /** Object id of the application object. */
  objectId: string;
  /** Object id of the service principal (the `oid` of app-only tokens). */
  spObjectId: string;
  secrets: string[];
  federatedCredentials: FederatedIdentityCredential[];
  identifierUris: string[];
  /** Delegated permissions published by this app as an API (e.g. access_as_user). */
  publishedScopes: string[];
  /** Admin-consented delegated scopes per downstream resource. */
  delegatedPermissions: Partial<Record<ConsentKey, string[]>>;
  /** Scenario switch: consent granted per downstream resource. */
  consentGranted: Record<ConsentKey, boolean>;
  appRoleAssignmentRequired: boolean;
  /** Created through Graph: consent comes from oauth2PermissionGrants, assignment from appRoleAssignedTo. */
  graphManaged?: boolean;
  /** Web-platform redirect URIs of a built-in app (Graph-managed apps keep theirs in the Graph store). */
  webRedirectUris?: string[];
  /** Secret value -> epoch ms before which the token endpoint rejects it (secret propagation). */
  secretNotBefore?: Record<string, number>;
}

/** What the token endpoint asks the Graph directory about (set by the Graph store). */
export interface DirectoryLink {
  /** Assignment-required check for Graph-managed apps: the user or one of its groups holds an appRoleAssignment. */
  isAssigned(app: Application, user: User): boolean;
  /** Delegated scopes admin-consented (AllPrincipals grant) for app -> resource; `declared` = resource in requiredResourceAccess. */
  grantedScopes(app: Application, resourceAppId: string): { declared: boolean; scopes: string[] };
  /** Application permissions (role values) the app's service principal holds on the resource. */
  appRoles(app: Application, resourceAppId: string): string[];
  /** web.redirectUris of a Graph-created app (the authorization code flow checks them). */
  webRedirectUris(app: Application): string[];
  /** A Graph-created app that allows public client flows (isFallbackPublicClient). */
  isPublicClient(clientAppId: string): boolean;
  /**
   * Delegated scopes (values) a client may get for a user on a Graph-managed API: the API's
   * preAuthorizedApplications entry for the client, plus oauth2PermissionGrants (AllPrincipals or this user).
   */
  userConsent(clientAppId: string, resourceAppId: string, userOid: string): string[];
}

export interface ManagedIdentity {
  clientId: string;
  principalId: string;
  resourceId: string;
  /** Its federated identity credentials (ARM .../federatedIdentityCredentials): it can sign in as a workload with them. */
  federatedCredentials?: FederatedIdentityCredential[];
}

export type JwtAlg = 'RS256' | 'RS384' | 'HS256' | 'none';

export interface MintOptions {
  /** The user (object or oid); default: the default user. */
  user?: User | string;
  ver?: '1.0' | '2.0';
  aud?: string;
  /**
   * Fully qualified delegated scopes (e.g. 'https://mcp.contoso.com/mcp/access_as_user' or 'api://<appId>/.default'), resolved as
   * the token endpoint does: the token is for the owning app (v2 aud = its client id, v1 aud = the identifier) and scp holds the
   * short names unless `scp` is given. Default: the server app's access_as_user.
   */
  scope?: string;
  iss?: string;
  tid?: string;
  /** Default 'access_as_user'; null omits the claim (app-only shape). */
  scp?: string | null;
  roles?: string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  /** null omits the claim. */
  oid?: string | null;
  azp?: string;
  kid?: string;
  alg?: JwtAlg;
  /** Secret for alg HS256 (default: the server app's first secret). */
  secret?: string;
  signWith?: 'current' | 'unknown';
  /** Extra protected-header parameters; `{ jwk: 'self' }` embeds the signing key's public JWK. */
  header?: Record<string, unknown>;
  /** Merged last; a null value removes the claim. */
  extraClaims?: Record<string, unknown>;
}

export interface FaultRule {
  method?: string;
  /** Regular-expression source matched against the normalised path (no query). */
  path: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  retryAfter?: number;
  delayMs?: number;
  hang?: boolean;
  times?: number;
  after?: number;
}

export interface FaultEntry extends FaultRule {
  id: string;
  /** How often the rule has been applied. */
  hits: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** 0 while unanswered (or for a hung request). */
  status: number;
  /** Parsed form or JSON body, raw text otherwise, undefined when empty. */
  body: unknown;
  headers: Record<string, string>;
  listener: 'https' | 'mi';
  /** performance.now() when the request arrived and when its response finished (unset while unanswered). */
  startedAt: number;
  endedAt?: number;
}

export interface Propagation {
  /** Objects created through Graph are invisible to reads/updates by id for this long. */
  graphMs?: number;
  /** A new managed identity's principal is unknown to the directory (ARM PrincipalNotFound) for this long. */
  principalMs?: number;
  /** A secret added with addPassword is rejected by the token endpoint for this long. */
  secretMs?: number;
}

/** Latency per ARM resource type (`Microsoft.App/managedEnvironments`, ...) or `graph` (Graph writes), in ms. */
export type Latency = Record<string, number>;

export interface ArmErrorInfo {
  code: string;
  message: string;
}

export type JsonObject = Record<string, unknown>;

export interface GraphState {
  applications: JsonObject[];
  servicePrincipals: JsonObject[];
  groups: JsonObject[];
  oauth2PermissionGrants: JsonObject[];
  deletedItems: JsonObject[];
  users: JsonObject[];
}

export interface EmulatorState {
  entra: unknown;
  /** Every ARM resource exactly as its GET returns it (role assignments, ACR runs and container app revisions included). */
  arm: JsonObject[];
  graph: GraphState;
  /** Registry contents by registry name: repository, tag, digest, run id, image config. */
  acr: Record<string, unknown[]>;
  /** Public DNS records (set through emu.dns or Azure DNS zones). */
  dns: Array<{ name: string; type: 'A' | 'CNAME' | 'TXT'; values: string[] }>;
}
