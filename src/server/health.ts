/**
 * What GET /health answers, in both places that answer it (the listener before the app loads, and
 * the app): 200 `{"status":"healthy"}` and, in Container Apps, the revision that answered, so a
 * deploy can tell the new revision from the old one still holding the traffic.
 */

/** Response header naming the Container Apps revision (CONTAINER_APP_REVISION) that answered. */
export const REVISION_HEADER = 'x-mcp-obo-revision';
export const HEALTH_BODY = '{"status":"healthy"}';

// Revision names are `{app}--{suffix}` (lower-case DNS labels); anything else is not echoed into a header.
const REVISION = /^[a-z0-9][a-z0-9-]{0,99}$/;

export function healthHeaders(revision: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...(revision && REVISION.test(revision) ? { [REVISION_HEADER]: revision } : {}),
  };
}
