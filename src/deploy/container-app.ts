/**
 * The Container App: the managed identity attached and used to pull from the registry (no
 * password), external ingress on 8000, scale and size from flags, health probes, and the
 * variables the server needs. The only secret is the authorization facade's sealing key (a
 * Container Apps secret behind a secretRef); no credential is: Entra trusts the managed identity.
 */
import { posix } from 'node:path';
import { PROJECT_DIR } from './project.ts';
import { DEFAULT_PACKS } from '../tools/packs/names.ts';
import type { ContainerApp } from '@azure/arm-appcontainers';
import { resolveCloud } from '../cloud.ts';
import type { Deployment } from '../state/deployment.ts';
import { names } from '../state/naming.ts';
import { UsageError } from '../errors.ts';
import { BUILD_TAG } from './unchanged.ts';
import { FACADE_KEY_PREVIOUS_SECRET, FACADE_KEY_SECRET, type FacadeKeys } from './facade-key.ts';

/** How clients sign in to the deployed server: through its authorization facade (with its keys), or at Entra. */
export type DeployAuth = { mode: 'facade'; keys: FacadeKeys } | { mode: 'entra' };

export interface AppShape {
  image: string;
  cpu: number;
  memory: string;
  minReplicas: number;
  maxReplicas: number;
  logLevel: string;
  /** The key of the build the image came from (unchanged.ts), recorded as a tag; none for --image. */
  build?: string;
}

/** CPU / memory pairs Container Apps accepts on the consumption plan. */
export const SIZES: Record<string, string> = { '0.25': '0.5Gi', '0.5': '1Gi', '0.75': '1.5Gi', '1': '2Gi', '1.25': '2.5Gi', '1.5': '3Gi', '1.75': '3.5Gi', '2': '4Gi' };

export function validateShape(s: AppShape): AppShape {
  if (SIZES[String(s.cpu)] !== s.memory) {
    throw new UsageError(`--cpu ${s.cpu} with --memory ${s.memory} is not a size Container Apps offers`, {
      suggestion: `Use one of: ${Object.entries(SIZES).map(([c, m]) => `${c}/${m}`).join(', ')}.`,
    });
  }
  if (!Number.isInteger(s.minReplicas) || !Number.isInteger(s.maxReplicas) || s.minReplicas < 0 || s.maxReplicas < 1 || s.maxReplicas > 300 || s.minReplicas > s.maxReplicas) {
    throw new UsageError(`--min-replicas ${s.minReplicas} / --max-replicas ${s.maxReplicas} are not valid (0 <= min <= max, 1 <= max <= 300)`);
  }
  return s;
}

/** V8 heap flags sized for the container's memory (the image's defaults fit 0.5 GiB). */
function nodeOptions(memory: string): string | undefined {
  const gib = Number(memory.replace(/Gi$/, ''));
  if (gib === 0.5) return undefined;
  // Half the container for the old space, as the image's 256 MiB of 0.5 GiB (Dockerfile: measured).
  return `--max-semi-space-size=16 --max-old-space-size=${Math.round(gib * 1024 * 0.5)}`;
}

/** A custom domain on the app: added (Disabled) until its certificate exists, then bound (SniEnabled). */
export interface DomainBinding {
  name: string;
  certificateId?: string;
}

export function containerAppBody(d: Deployment, shape: AppShape, auth: DeployAuth, domain?: DomainBinding): ContainerApp {
  const r = d.resources;
  const n = names(d);
  const mi = r.identity!;
  const app = r.application!;
  const cloud = resolveCloud(d.cloud, {});
  const env = [
    { name: 'AZURE_TENANT_ID', value: d.tenantId },
    { name: 'AZURE_CLIENT_ID', value: app.appId },
    { name: 'AZURE_MI_CLIENT_ID', value: mi.clientId },
    { name: 'LOG_LEVEL', value: shape.logLevel },
    // The server defaults to the public cloud; other clouds name themselves (the token-exchange audience) and their hosts.
    ...(d.cloud === 'AzureCloud'
      ? []
      : [{ name: 'MCP_OBO_CLOUD', value: d.cloud }, { name: 'AZURE_AUTHORITY_HOST', value: cloud.authorityHost }, { name: 'MCP_OBO_GRAPH_ENDPOINT', value: cloud.graphEndpoint }]),
    ...(nodeOptions(shape.memory) ? [{ name: 'NODE_OPTIONS', value: nodeOptions(shape.memory)! }] : []),
    // The tools the deployment file lists: packs by name, and the project's own modules where the project image has them.
    ...(d.tools ? [{ name: 'MCP_OBO_TOOL_PACKS', value: (d.tools.packs ?? DEFAULT_PACKS).join(',') || 'none' }] : []),
    ...(d.tools?.modules?.length ? [{ name: 'MCP_OBO_TOOLS', value: d.tools.modules.map((m) => posix.join(PROJECT_DIR, m)).join(',') }] : []),
    // Bound to a custom domain: that is the public URL, and its /mcp is an identifier URI of the app.
    ...(domain?.certificateId ? [{ name: 'APP_URL', value: `https://${domain.name}` }, { name: 'MCP_OBO_IDENTIFIER_URI', value: `https://${domain.name}/mcp` }] : []),
    ...(auth.mode === 'entra'
      ? [{ name: 'MCP_OBO_AUTH', value: 'entra' }]
      : [
          { name: 'MCP_OBO_FACADE_KEY', secretRef: FACADE_KEY_SECRET },
          ...(auth.keys.previous ? [{ name: 'MCP_OBO_FACADE_KEY_PREVIOUS', secretRef: FACADE_KEY_PREVIOUS_SECRET }] : []),
        ]),
  ];
  const secrets =
    auth.mode === 'facade'
      ? [{ name: FACADE_KEY_SECRET, value: auth.keys.current }, ...(auth.keys.previous ? [{ name: FACADE_KEY_PREVIOUS_SECRET, value: auth.keys.previous }] : [])]
      : [];
  const probe = (type: 'Liveness' | 'Readiness' | 'Startup', extra: object) => ({ type, httpGet: { path: '/health', port: 8000, scheme: 'HTTP' as const }, ...extra });
  return {
    location: d.location,
    tags: { [n.tagKey]: d.id, 'mcp-obo-deployment': `${d.prefix}-${d.env}`, 'managed-by': 'mcp-obo', ...(shape.build ? { [BUILD_TAG]: shape.build } : {}) },
    identity: { type: 'UserAssigned', userAssignedIdentities: { [mi.id]: {} } },
    managedEnvironmentId: r.environment!.id,
    configuration: {
      activeRevisionsMode: 'Single',
      ingress: {
        external: true,
        targetPort: 8000,
        transport: 'auto',
        allowInsecure: false,
        ...(domain ? { customDomains: [{ name: domain.name, bindingType: domain.certificateId ? 'SniEnabled' : 'Disabled', ...(domain.certificateId ? { certificateId: domain.certificateId } : {}) }] } : {}),
      },
      registries: [{ server: r.registry!.loginServer, identity: mi.id }],
      secrets,
    },
    template: {
      containers: [
        {
          name: 'mcp-obo',
          image: shape.image,
          resources: { cpu: shape.cpu, memory: shape.memory },
          env,
          probes: [
            probe('Startup', { periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 3 }),
            probe('Readiness', { periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 }),
            probe('Liveness', { periodSeconds: 15, failureThreshold: 3, timeoutSeconds: 5 }),
          ],
        },
      ],
      scale: { minReplicas: shape.minReplicas, maxReplicas: shape.maxReplicas, rules: [{ name: 'http-concurrency', http: { metadata: { concurrentRequests: '50' } } }] },
    },
  };
}
