/**
 * The sample tenant as Microsoft Graph v1.0 (mail, calendar, files, SharePoint, and, for the local
 * platform, /me), behind the seam in http.ts: the host authenticates, this answers.
 */
import { json, type SampleHandler, type SampleResponse } from './http.ts';
import { calendarRoutes } from './graph-calendar.ts';
import { Downloads, fileRoutes } from './graph-files.ts';
import { mailRoutes } from './graph-mail.ts';
import { dispatch, notFound, requireScope, select, type Route } from './odata.ts';
import { siteRoutes } from './graph-sites.ts';
import type { SampleTenant } from './tenant.ts';

export interface SampleGraph {
  handle: SampleHandler;
  /** The pre-authenticated download URLs (`{base}/_download/{token}`), served without a token. */
  download(token: string): SampleResponse;
}

const ME = ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'];

/** `base`: the service's origin as callers see it (nextLinks and download URLs point there). `me`: also serve /me. */
export function createSampleGraph(tenant: SampleTenant, base: string, opts: { me?: boolean } = {}): SampleGraph {
  const downloads = new Downloads();
  const routes: Route[] = [...mailRoutes(tenant, base), ...calendarRoutes(tenant, base), ...fileRoutes(tenant, base, downloads), ...siteRoutes(tenant, base)];
  if (opts.me) {
    routes.push({
      method: 'GET',
      re: /^\/v1\.0\/me$/i,
      handle(_m, req, caller) {
        requireScope(caller, ME);
        const u = tenant.directory.get(caller.oid);
        if (!u) throw notFound('Request_ResourceNotFound', `Resource '${caller.oid}' does not exist or one of its queried reference-property objects are not present.`);
        const body = { id: u.oid, displayName: u.displayName, givenName: u.givenName, surname: u.surname, mail: u.mail, userPrincipalName: u.userPrincipalName, jobTitle: u.jobTitle, department: u.department, officeLocation: u.officeLocation, businessPhones: [], mobilePhone: null, preferredLanguage: 'en-US' };
        return json(200, { '@odata.context': `${base}/v1.0/$metadata#users/$entity`, ...select(req, 'user', body) });
      },
    });
  }
  return {
    handle: (req, caller) => dispatch(routes, req, caller),
    download: (token) => downloads.serve(token, tenant.clock()),
  };
}
