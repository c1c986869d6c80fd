// The environment of a replica's process: the image's ENV, what stands in for DNS in the test, the
// container's env (secretRef resolved), and what Container Apps injects.
import type { AcrImage } from '../../core/acrStore.ts';
import type { JsonObject } from '../../types.ts';
import type { AcaEnv } from './runtime.ts';

/** Image ENV entries that point into the image's filesystem and make no sense on the host. */
const HOST_ONLY = new Set(['PATH', 'NODE_COMPILE_CACHE', 'HOME', 'NODE_VERSION', 'YARN_VERSION']);

export interface ReplicaEnvInput {
  app: JsonObject;
  revision: JsonObject;
  replicaName: string;
  image: AcrImage;
  ingressPort: number | undefined;
  identityHeader: string;
}

export function replicaEnv(env: AcaEnv, o: ReplicaEnvInput): Record<string, string> {
  const p = o.app.properties as JsonObject;
  const config = (p.configuration ?? {}) as JsonObject;
  // Secret values are kept beside the resource (GET shows names only).
  const stored = (env.inv.secrets.get(String(o.app.id).toLowerCase())?.secrets ?? []) as JsonObject[];
  const secrets = new Map(stored.map((s) => [String(s.name), s.value]));
  const managedEnv = env.inv.get(String(p.managedEnvironmentId));
  const dnsSuffix = String((managedEnv?.properties as JsonObject | undefined)?.defaultDomain ?? '');
  const container = (((o.revision.properties as JsonObject).template as JsonObject).containers as JsonObject[])[0]!;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.image.config.env)) if (!HOST_ONLY.has(k)) out[k] = v;
  // A fresh process environment, not the emulator's: nothing of the test runner leaks into the "container".
  Object.assign(out, { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp' });
  // Stand-ins for DNS: the emulator plays Entra, Graph and Azure DevOps, behind its own CA.
  Object.assign(out, { NODE_EXTRA_CA_CERTS: env.caCertPath, AZURE_AUTHORITY_HOST: env.url, MCP_OBO_GRAPH_ENDPOINT: env.url, MCP_OBO_DEVOPS_ENDPOINT: `${env.url}/devops` });
  for (const e of (container.env ?? []) as JsonObject[]) {
    const v = e.secretRef !== undefined && e.secretRef !== null ? secrets.get(String(e.secretRef)) : e.value;
    if (typeof v === 'string') out[String(e.name)] = v;
  }
  const ingress = config.ingress as JsonObject | undefined;
  Object.assign(out, {
    CONTAINER_APP_NAME: String(o.app.name), CONTAINER_APP_ENV_DNS_SUFFIX: dnsSuffix, CONTAINER_APP_REVISION: String(o.revision.name),
    CONTAINER_APP_REPLICA_NAME: o.replicaName, CONTAINER_APP_HOSTNAME: `${String(o.revision.name)}.${dnsSuffix}`,
    IDENTITY_ENDPOINT: env.identityEndpoint, IDENTITY_HEADER: o.identityHeader,
  });
  if (ingress?.targetPort !== undefined) out.CONTAINER_APP_PORT = String(ingress.targetPort);
  // Deviation: in Azure the server derives its public URL from CONTAINER_APP_NAME and
  // CONTAINER_APP_ENV_DNS_SUFFIX (https://<app>.<suffix>). Here the ingress is https://127.0.0.1:<port>,
  // so APP_URL names it, unless the container sets APP_URL itself.
  if (o.ingressPort !== undefined && out.APP_URL === undefined) out.APP_URL = `https://127.0.0.1:${o.ingressPort}`;
  return out;
}
