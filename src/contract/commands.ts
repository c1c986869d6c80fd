/**
 * The result of every command, as --json prints it. Keys are machine keys (camelCase, stable);
 * human output is rendered from the same objects.
 */
import { z } from 'zod';
import { InstallInfo } from '../state/deployment.ts';
import { CLOUD_NAMES } from '../cloud.ts';
import { documentOf, ErrorInfo, linesOf, resultOf, RetryEvent, SLUG, StatusEvent } from './common.ts';

/** What a command hands to its output: the result without `ok` (and `event`), which the output adds. */
type Data<T> = T extends unknown ? Omit<T, 'ok' | 'event'> : never;

const nullable = <T extends z.ZodType>(t: T) => t.nullable();

// ---- init ----------------------------------------------------------------------------------
const DeploymentInfo = z.strictObject({
  name: z.string().describe('{prefix}-{env}, what --deployment takes'),
  file: z.string(),
  id: z.string(),
  prefix: z.string(),
  env: z.string(),
  tenantId: z.string(),
  subscriptionId: z.string(),
  location: z.string(),
  cloud: z.string(),
});

export const init = documentOf({
  deployment: DeploymentInfo,
  install: nullable(InstallInfo),
  workflow: nullable(z.string()).describe('the GitHub workflow written with --github-workflow'),
});
export type InitResult = Data<z.infer<typeof init.success>>;

// ---- provision -----------------------------------------------------------------------------
const StepEvent = z.strictObject({
  event: z.literal('step'),
  step: z.string().regex(SLUG),
  status: z.enum(['planned', 'start', 'done', 'failed', 'blocked']),
  action: z.enum(['create', 'update', 'unchanged', 'skip']).optional(),
  detail: z.string().optional(),
  error: z.string().optional(),
  by: z.string().optional().describe('the failed step this one waited for'),
  ms: z.number().optional(),
});

const StepSummary = z.strictObject({
  id: z.string().regex(SLUG),
  title: z.string(),
  status: z.enum(['done', 'planned', 'failed', 'blocked']),
  action: nullable(z.enum(['create', 'update', 'unchanged', 'skip'])),
  detail: nullable(z.string()),
  error: nullable(z.string()),
});

const Permission = z.strictObject({ resource: z.string(), permission: z.string(), status: z.enum(['granted', 'missing']) });

export const ProvisionValues = z.strictObject({
  tenantId: z.string(),
  subscriptionId: z.string(),
  resourceGroup: nullable(z.string()),
  loginServer: nullable(z.string()),
  environment: nullable(z.string()),
  identityClientId: nullable(z.string()),
  identityPrincipalId: nullable(z.string()),
  appId: nullable(z.string()),
  scope: nullable(z.string()),
  usersGroup: nullable(z.string()),
  envFile: nullable(z.string()),
});

export const provision = resultOf({
  deployment: z.string().describe('the deployment file'),
  id: z.string(),
  dryRun: z.boolean(),
  steps: z.array(StepSummary),
  values: ProvisionValues,
  consent: nullable(z.array(Permission)),
  notes: z.array(z.string()).describe('what the run did that you should know (a fallback it took)'),
});
export type ProvisionResult = Data<z.infer<typeof provision.success>>;
export const provisionEvents = [StepEvent, RetryEvent] as const;

// ---- consent -------------------------------------------------------------------------------
export const consent = documentOf({ granted: z.boolean(), permissions: z.array(Permission), adminConsentUrl: z.string() });
export type ConsentResult = Data<z.infer<typeof consent.success>>;

// ---- deploy --------------------------------------------------------------------------------
export const deploy = resultOf({
  mcpUrl: z.string(),
  image: z.string(),
  revision: z.string(),
  auth: z.enum(['facade', 'entra']),
  excluded: nullable(z.array(z.string())).describe('files left out of the build context as they may hold secrets'),
  vscode: nullable(z.string()).describe('the .vscode/mcp.json written'),
  warning: nullable(z.string()),
});
export type DeployResult = Data<z.infer<typeof deploy.success>>;
export const deployEvents = [StatusEvent] as const;

// ---- logs ----------------------------------------------------------------------------------
const LogEvent = z.strictObject({ event: z.literal('log'), line: z.string() });
export const logs = resultOf({ app: z.string(), revision: z.string(), lines: z.number().int() });
export type LogsResult = Data<z.infer<typeof logs.success>>;

// ---- token ---------------------------------------------------------------------------------
const Claims = z.strictObject({
  audience: z.unknown(),
  issuer: z.unknown(),
  scopes: z.array(z.string()),
  user: z.unknown(),
  objectId: z.unknown(),
  tenantId: z.unknown(),
  clientAppId: z.unknown(),
  version: z.unknown(),
  issuedAt: nullable(z.string()),
  expiresAt: nullable(z.string()),
  expiresInMinutes: nullable(z.number()),
});
const tokenShapes = {
  token: { mode: z.literal('token'), token: z.string(), expiresAt: nullable(z.string()), via: z.enum(['azure-cli', 'device-code', 'MCP_OBO_TOKEN']) },
  decode: { mode: z.literal('decode'), claims: Claims, via: z.enum(['azure-cli', 'device-code', 'MCP_OBO_TOKEN']) },
  curl: { mode: z.literal('curl'), url: z.string(), commands: z.string().describe('a shell script: TOKEN=$(…) then curl commands that read $TOKEN') },
};
const tokenVariants = Object.values(tokenShapes).map((s) => documentOf(s));
export const token = {
  success: z.union(tokenVariants.map((v) => v.success)),
  schema: z.union([...tokenVariants.map((v) => v.success), z.strictObject({ ok: z.literal(false), error: ErrorInfo, mode: z.enum(['token', 'decode', 'curl']).optional() })]),
};
export type TokenResult = Data<z.infer<typeof token.success>>;

// ---- test ----------------------------------------------------------------------------------
export const Check = z.strictObject({
  id: z.string().regex(SLUG).describe('stable check id, e.g. health, resource-metadata, tool.get_user_context'),
  name: z.string(),
  ok: z.boolean(),
  skipped: z.boolean(),
  warning: z.boolean(),
  detail: z.string(),
  advice: nullable(z.string()),
});
export const test = documentOf({ url: z.string(), checks: z.array(Check) });
export type TestResult = Data<z.infer<typeof test.success>>;

// ---- serve ---------------------------------------------------------------------------------
const LogLine = z
  .looseObject({ event: z.string().regex(/^[a-z]+(\.[a-z_]+)+$/), time: z.string(), level: z.enum(['debug', 'info', 'warn', 'error']) })
  .describe("one line of the server's log");
export const serve = resultOf({ signal: z.string() });

// ---- cleanup -------------------------------------------------------------------------------
const Found = z.strictObject({
  kind: z.enum(['resourceGroup', 'application', 'servicePrincipal', 'group', 'permissionGrant', 'localFile', 'repositoryVariable']),
  name: z.string(),
  id: z.string(),
  ours: z.boolean(),
  note: z.string().optional(),
  tagOnly: z.boolean().optional(),
  detail: z.string().optional(),
});
const FoundEvent = z.strictObject({ event: z.literal('found'), id: z.string(), delete: z.array(Found), kept: z.array(Found) });
const Listed = z.strictObject({ id: z.string(), name: z.string().optional(), location: z.string().optional(), created: z.string().optional(), resources: z.array(z.string()) });
const cleanupShapes = {
  list: { event: z.literal('result'), mode: z.literal('list'), deployments: z.array(Listed) },
  clean: {
    event: z.literal('result'),
    mode: z.literal('clean'),
    id: z.string(),
    dryRun: z.boolean(),
    deleted: z.array(Found.extend({ purged: z.boolean().optional() })),
    remaining: z.array(Found.extend({ reason: z.string() })),
    cancelled: z.boolean(),
  },
};
const cleanupVariants = [documentOf(cleanupShapes.list), documentOf(cleanupShapes.clean)];
export const cleanup = {
  success: z.union(cleanupVariants.map((v) => v.success)),
  schema: z.union([
    ...cleanupVariants.map((v) => v.success),
    z.strictObject({ ok: z.literal(false), error: ErrorInfo, ...z.object(cleanupShapes.clean).partial().shape, event: z.literal('result'), mode: z.enum(['list', 'clean']).optional() }),
  ]),
};
export type CleanupResult = Data<z.infer<typeof cleanup.success>>;

// ---- pipeline github -----------------------------------------------------------------------
export const pipeline = resultOf({
  provider: z.literal('github'),
  dryRun: z.boolean(),
  repository: z.string().describe('owner/name'),
  identity: z.strictObject({
    kind: z.enum(['managedIdentity', 'application']),
    name: z.string(),
    clientId: nullable(z.string()).describe('null until created (dry run)'),
    principalId: nullable(z.string()),
    id: nullable(z.string()).describe('ARM resource id of the identity, or object id of the app registration'),
  }),
  subjects: z.array(z.strictObject({ kind: z.enum(['branch', 'environment', 'pull-request']), value: z.string(), subject: z.string(), name: z.string() })),
  subjectSource: z.enum(['github', 'assumed']).describe("github: the repository's OIDC settings were read; assumed: the name-based form (gh unavailable)"),
  roles: z.array(z.strictObject({ role: z.string(), scope: z.string() })),
  graphPermissions: z.array(z.strictObject({ permission: z.string(), status: z.enum(['granted', 'missing', 'planned']) })),
  workflow: z.string().describe('the workflow file'),
  variable: z.strictObject({ name: z.string(), set: z.boolean(), command: nullable(z.string()).describe('how to set it by hand, when gh could not') }),
  steps: z.array(StepSummary),
  notes: z.array(z.string()),
});
export type PipelineResult = Data<z.infer<typeof pipeline.success>>;

// ---- show ----------------------------------------------------------------------------------
export const show = documentOf({
  name: z.string().describe('{prefix}-{env}, what --deployment takes'),
  slug: z.string().describe('{prefix}-{env}-{id}, the suffix of every resource name'),
  id: z.string(),
  file: z.string().describe('the deployment file'),
  tenantId: z.string(),
  subscriptionId: z.string(),
  location: z.string(),
  cloud: z.enum(CLOUD_NAMES),
  mcpUrl: nullable(z.string()).describe('null until deployed'),
  appId: nullable(z.string()),
  scope: nullable(z.string()),
  usersGroup: nullable(z.strictObject({ id: z.string(), name: z.string() })),
  envFile: z.strictObject({
    path: z.string(),
    exists: z.boolean(),
    clientSecretExpires: nullable(z.string()).describe('when the local client secret expires (ISO 8601), null without one'),
    facadeKey: z.boolean(),
  }),
  steps: z.array(
    z.strictObject({
      id: z.string().regex(SLUG).describe("the provisioning step's id, as provision --json names it"),
      title: z.string(),
      state: z.enum(['done', 'missing', 'skipped']).describe('as recorded in the deployment file'),
      detail: nullable(z.string()),
    }),
  ),
  deployed: nullable(z.strictObject({ containerApp: z.string(), revision: z.string(), image: z.string() })),
  portal: z
    .strictObject({
      resourceGroup: z.string().optional(),
      appRegistration: z.string().optional(),
      usersAndGroups: z.string().optional(),
      usersGroup: z.string().optional(),
      containerApp: z.string().optional(),
    })
    .describe('Azure portal links to what exists'),
  next: nullable(z.string()).describe('the command to run next, null when nothing is due'),
});
export type ShowResult = Data<z.infer<typeof show.success>>;

// ---- list ----------------------------------------------------------------------------------
const LocalDeployment = z.strictObject({
  name: z.string(),
  id: z.string(),
  file: z.string(),
  tenantId: z.string(),
  subscriptionId: z.string(),
  location: z.string(),
  state: z.enum(['not-provisioned', 'provisioned-in-part', 'provisioned', 'deployed']),
  mcpUrl: nullable(z.string()),
});
export const list = documentOf({
  all: z.boolean().describe('whether Azure and Entra were searched (--all)'),
  folder: nullable(z.string()).describe('the folder holding the deployment files, null when none was found'),
  local: z.array(LocalDeployment),
  azure: nullable(z.array(Listed.extend({ here: nullable(z.string()).describe('the name of its deployment file here, if any') }))).describe('with --all: what Azure and Entra hold; null without --all'),
  notes: z.array(z.string()).describe('what could not be searched (an identity without directory rights)'),
});
export type ListResult = Data<z.infer<typeof list.success>>;

// ---- users list|add|remove -----------------------------------------------------------------
const PrincipalKind = z.enum(['user', 'group', 'servicePrincipal']);
const Principal = z.strictObject({ kind: PrincipalKind, id: z.string(), name: z.string().describe('Ada Lovelace <ada@contoso.com>, or a group\'s name') });
const UsersGroup = z.strictObject({ id: z.string(), name: z.string().describe("the group's name as Entra has it now") });
export const UsersChange = z.strictObject({
  principal: Principal,
  outcome: z.enum(['added-to-group', 'assigned', 'already-member', 'already-assigned', 'removed-from-group', 'assignment-removed', 'had-no-access']),
});
const usersShapes = {
  list: {
    mode: z.literal('list'),
    deployment: z.string(),
    group: UsersGroup.extend({ assigned: z.boolean().describe('assigned to the app: its direct members may sign in') }),
    members: z.array(Principal.extend({ nested: z.boolean().describe('a group nested in the users group: its members get no access') })),
    assigned: z.array(Principal).describe('users and groups assigned to the app besides the users group'),
  },
  change: {
    mode: z.enum(['add', 'remove']),
    deployment: z.string(),
    group: UsersGroup,
    changes: z.array(UsersChange).describe('one per principal named, in order; on failure, what was done before it'),
  },
};
const usersVariants = [documentOf(usersShapes.list), documentOf(usersShapes.change)];
export const users = {
  success: z.union(usersVariants.map((v) => v.success)),
  schema: z.union([
    ...usersVariants.map((v) => v.success),
    z.strictObject({ ok: z.literal(false), error: ErrorInfo, ...z.object(usersShapes.change).partial().shape, mode: z.enum(['list', 'add', 'remove']).optional() }),
  ]),
};
export type UsersResult = Data<z.infer<typeof users.success>>;
export type UsersListResult = Extract<UsersResult, { mode: 'list' }>;
export type UsersChangeResult = Extract<UsersResult, { mode: 'add' | 'remove' }>;

// ---- tools list | new | enable | disable ---------------------------------------------------------
const ToolRow = z.strictObject({
  name: z.string(),
  title: nullable(z.string()),
  from: z.string().describe('the pack, or the module file of yours'),
  readOnly: z.boolean(),
  destructive: z.boolean(),
  scopes: z.record(z.string(), z.array(z.string())).describe('per API (graph, devops, or an identifier URI): delegated permission names'),
});
const toolsShapes = {
  list: {
    mode: z.literal('list'),
    tools: z.array(ToolRow),
    permissions: nullable(z.array(z.strictObject({ resource: z.string(), permission: z.string(), status: z.enum(['granted', 'missing', 'unknown']) }))).describe('null when consent was not checked'),
    deployment: nullable(z.string()),
  },
  new: { mode: z.literal('new'), files: z.array(z.string()), createdPackageJson: z.boolean(), next: z.array(z.string()) },
  packs: { mode: z.literal('packs'), deployment: z.string(), packs: z.array(z.string()), changed: z.boolean() },
};
const toolsVariants = [documentOf(toolsShapes.list), documentOf(toolsShapes.new), documentOf(toolsShapes.packs)];
export const tools = {
  success: z.union(toolsVariants.map((v) => v.success)),
  schema: z.union([
    ...toolsVariants.map((v) => v.success),
    z.strictObject({ ok: z.literal(false), error: ErrorInfo, mode: z.enum(['list', 'new', 'packs']).optional() }),
  ]),
};
export type ToolsResult = Data<z.infer<typeof tools.success>>;

// ---- dev -----------------------------------------------------------------------------------------
export const dev = documentOf({
  mcpUrl: z.string(),
  signInUrl: z.string().describe("the local identity platform's sign-in page"),
  sampleData: z.literal(true).describe('every answer comes from the sample tenant, never from Microsoft'),
  users: z.array(z.strictObject({ name: z.string(), username: z.string() })),
  tools: z.array(z.string()),
  packs: z.array(z.string()),
  modules: z.array(z.string()),
});
export type DevResult = Data<z.infer<typeof dev.success>>;

/** Every command: its schema (the document, or each NDJSON line), and whether it streams. */
export const COMMANDS = {
  init: { stream: false, description: 'mcp-obo init --json', schema: init.schema },
  provision: { stream: true, description: 'mcp-obo provision --json (NDJSON)', schema: linesOf(provisionEvents, provision.schema) },
  consent: { stream: false, description: 'mcp-obo consent --json', schema: consent.schema },
  deploy: { stream: true, description: 'mcp-obo deploy --json (NDJSON)', schema: linesOf(deployEvents, deploy.schema) },
  logs: { stream: true, description: 'mcp-obo logs --json (NDJSON)', schema: linesOf([LogEvent], logs.schema) },
  token: { stream: false, description: 'mcp-obo token --json', schema: token.schema },
  test: { stream: false, description: 'mcp-obo test --json', schema: test.schema },
  serve: { stream: true, description: 'mcp-obo serve --json (NDJSON: log lines, then the result when it stops)', schema: linesOf([LogLine], serve.schema) },
  cleanup: { stream: true, description: 'mcp-obo cleanup --json (NDJSON)', schema: linesOf([FoundEvent, StatusEvent], cleanup.schema) },
  pipeline: { stream: true, description: 'mcp-obo pipeline github --json (NDJSON)', schema: linesOf([StepEvent, RetryEvent], pipeline.schema) },
  show: { stream: false, description: 'mcp-obo show --json', schema: show.schema },
  list: { stream: false, description: 'mcp-obo list [--all] --json', schema: list.schema },
  users: { stream: false, description: 'mcp-obo users list|add|remove --json', schema: users.schema },
  tools: { stream: false, description: 'mcp-obo tools list|new|enable|disable --json', schema: tools.schema },
  dev: { stream: false, description: 'mcp-obo dev --json (one document when the server is ready)', schema: dev.schema },
} as const satisfies Record<string, { stream: boolean; description: string; schema: z.ZodType }>;

export type CommandName = keyof typeof COMMANDS;
