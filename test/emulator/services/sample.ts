// The product's sample tenant (src/dev/sample: mail, calendar, files, SharePoint, DevOps work items and pipelines)
// served from the emulator behind the emulator's own token checks, so the packs' tools run against the same data
// in tests as under `mcp-obo dev`. Graph paths the emulator does not model itself fall through to it; DevOps
// organisation APIs live under /azdo/{org} (what MCP_OBO_DEVOPS_API_ENDPOINT points at in tests).
import { createSampleGraph, type SampleGraph } from '../../../src/dev/sample/graph.ts';
import { createSampleDevOps, type SampleDevOps } from '../../../src/dev/sample/devops.ts';
import { SampleTenant } from '../../../src/dev/sample/tenant.ts';
import type { SampleRequest, SampleResponse } from '../../../src/dev/sample/http.ts';
import { type Ctx, header, send, sendJson } from '../core/http.ts';
import type { Directory } from '../core/directory.ts';

export const AZDO_PREFIX = '/azdo';

export interface SampleServices {
  tenant: SampleTenant;
  graph: SampleGraph;
  devops: SampleDevOps;
}

export function sampleServices(dir: Directory): SampleServices {
  const tenant = new SampleTenant({ get: (oid) => dir.getUser(oid), list: () => [...dir.users.values()] }, { domain: dir.tenantDomain });
  return { tenant, graph: createSampleGraph(tenant, dir.url), devops: createSampleDevOps(tenant, `${dir.url}${AZDO_PREFIX}`) };
}

/** The emulator's request as the sample services' request; `path` below `prefix`. */
export function sampleRequest(ctx: Ctx, prefix = ''): SampleRequest {
  return {
    method: ctx.method,
    path: ctx.path.slice(prefix.length) || '/',
    query: ctx.query,
    header: (name) => header(ctx, name),
    json: () => {
      if (!/json/.test(header(ctx, 'content-type') ?? '') || ctx.rawBody.length === 0) return undefined;
      try {
        return JSON.parse(ctx.rawBody.toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}

export function sendSample(ctx: Ctx, r: SampleResponse): void {
  if (r.bytes) return send(ctx, r.status, r.bytes, r.headers);
  if (r.json === undefined) return send(ctx, r.status, '', r.headers);
  sendJson(ctx, r.status, r.json, r.headers);
}
