/**
 * What to do after a command that succeeded: the next command of the getting-started order
 * (init → provision → consent → deploy → test), runnable as printed, and where to look in the
 * Azure portal. Printed on stderr: it guides people and is not part of the result.
 */
import type { Deployment } from '../state/deployment.ts';
import { deploymentName } from '../state/locate.ts';
import { portal } from '../portal.ts';

export interface NextHint {
  next: string;
  /** Why this command, in a few words. */
  why: string;
  portal?: string;
}

export function nextAfter(step: 'provision' | 'consent' | 'deploy', d: Deployment, path: string, o: { consented?: boolean } = {}): NextHint {
  const flag = ` --deployment ${deploymentName(path)}`;
  const t = { cloud: d.cloud, tenantId: d.tenantId };
  const r = d.resources;
  const rg = r.resourceGroup ? portal.resource(t, r.resourceGroup.id) : undefined;
  if (step === 'provision') {
    return o.consented
      ? { next: `mcp-obo deploy${flag}`, why: 'build the server and run it in the container app', portal: rg }
      : { next: `mcp-obo consent${flag}`, why: 'an administrator grants the API permissions, once; then mcp-obo deploy', portal: rg };
  }
  if (step === 'consent') {
    return { next: `mcp-obo deploy${flag}`, why: 'build the server and run it in the container app', portal: r.application ? portal.apiPermissions(t, r.application.appId) : rg };
  }
  return { next: `mcp-obo test${flag}`, why: 'sign in and call the deployed server end to end', portal: r.containerApp ? portal.resource(t, r.containerApp.id) : rg };
}

export function printNext(h: NextHint, stderr: NodeJS.WritableStream): void {
  stderr.write(`\nNext: ${h.next}\n      ${h.why}\n${h.portal ? `Azure portal: ${h.portal}\n` : ''}`);
}
