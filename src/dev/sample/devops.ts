/**
 * The sample tenant as Azure DevOps: organisation APIs under `{base}/{org}` (WIQL, work items,
 * pipelines and runs) and, for the local platform, the profile service. Shapes and errors as in
 * learn.microsoft.com/rest/api/azure/devops (wit/wiql, wit/work-items, pipelines/runs); DevOps
 * errors are `{ message, typeKey, ... }`, work item writes take application/json-patch+json.
 */
import { json, type SampleCaller, type SampleHandler, type SampleRequest, type SampleResponse } from './http.ts';
import { stableId, type DevOpsOrg, type PipelineRun, type SampleTenant, type WorkItem } from './tenant.ts';
import { applyPatch, DevOpsFailure, wiql } from './devops-work.ts';

export function devopsError(status: number, typeKey: string, message: string): SampleResponse {
  return json(status, { $id: '1', innerException: null, message, typeName: `Microsoft.TeamFoundation.${typeKey}, Microsoft.TeamFoundation`, typeKey, errorCode: 0, eventId: 3000 });
}

const WORK_READ = ['vso.work', 'vso.work_write', 'vso.work_full', 'user_impersonation'];
const WORK_WRITE = ['vso.work_write', 'vso.work_full', 'user_impersonation'];
const BUILD_READ = ['vso.build', 'vso.build_execute', 'user_impersonation'];
const BUILD_RUN = ['vso.build_execute', 'user_impersonation'];
const PROFILE = ['vso.profile', 'vso.profile_write', 'user_impersonation'];

function need(caller: SampleCaller, anyOf: string[]): void {
  const held = new Set(caller.scopes.map((s) => s.toLowerCase()));
  if (!anyOf.some((s) => held.has(s))) throw new DevOpsFailure(401, 'UnauthorizedRequestException', `TF400813: The user '${caller.oid}' is not authorized to access this resource.`);
}

function apiVersion(req: SampleRequest): void {
  if (!req.query.get('api-version') && !/api-version=/.test(req.header('accept') ?? '')) {
    throw new DevOpsFailure(400, 'VssVersionNotSpecifiedException', `No api-version was supplied for the "${req.method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`);
  }
}

export interface SampleDevOps {
  /** Organisation APIs: paths `/{org}/...` below the dev.azure.com base. */
  api: SampleHandler;
  /** The profile service (app.vssps.visualstudio.com): profile and accounts. */
  profile: SampleHandler;
}

export function createSampleDevOps(tenant: SampleTenant, base: string): SampleDevOps {
  const orgOf = (caller: SampleCaller, name: string): DevOpsOrg => {
    const user = tenant.directory.get(caller.oid);
    const org = tenant.org(name);
    // Not a member (or no such organisation): DevOps answers as for a token it does not accept.
    if (!org || !user?.devopsOrgs.some((o) => o.toLowerCase() === name.toLowerCase())) throw new DevOpsFailure(401, 'UnauthorizedRequestException', `TF400813: The user '${caller.oid}' is not authorized to access this resource.`);
    return org;
  };
  const projectOf = (org: DevOpsOrg, name: string) => {
    const p = org.projects.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.id === name.toLowerCase());
    if (!p) throw new DevOpsFailure(404, 'ProjectDoesNotExistWithNameException', `TF200016: The following project does not exist: ${name}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`);
    return p;
  };
  const itemJson = (org: DevOpsOrg, w: WorkItem, fields?: string[]) => ({
    id: w.id, rev: w.rev,
    fields: fields ? Object.fromEntries(fields.filter((f) => w.fields[f] !== undefined && w.fields[f] !== null).map((f) => [f, w.fields[f]])) : Object.fromEntries(Object.entries(w.fields).filter(([, v]) => v !== null)),
    url: `${base}/${org.name}/_apis/wit/workItems/${w.id}`,
    _links: { html: { href: `${base}/${org.name}/${encodeURIComponent(String(w.fields['System.TeamProject']))}/_workitems/edit/${w.id}` } },
  });
  const itemOf = (org: DevOpsOrg, id: string, project?: string) => {
    const w = org.workItems.get(Number(id));
    if (!w || (project && String(w.fields['System.TeamProject']).toLowerCase() !== projectOf(org, project).name.toLowerCase())) {
      throw new DevOpsFailure(404, 'WorkItemUnauthorizedAccessException', `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`);
    }
    return w;
  };
  const runJson = (org: DevOpsOrg, r: PipelineRun) => {
    const p = org.pipelines.find((x) => x.id === r.pipelineId)!;
    const done = tenant.clock() >= r.finishesAt;
    const web = `${base}/${org.name}/${encodeURIComponent(r.project)}/_build/results?buildId=${r.id}`;
    return {
      id: r.id, name: r.name, state: done ? 'completed' : 'inProgress', ...(done ? { result: r.result, finishedDate: new Date(r.finishesAt).toISOString() } : {}),
      createdDate: new Date(r.createdDate).toISOString(), url: `${base}/${org.name}/${encodeURIComponent(r.project)}/_apis/pipelines/${p.id}/runs/${r.id}`,
      pipeline: { id: p.id, name: p.name, folder: p.folder, revision: 1 }, resources: { repositories: { self: { refName: r.branch } } }, _links: { web: { href: web } },
    };
  };
  const jsonPatch = (req: SampleRequest) => {
    const ct = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json-patch+json') {
      throw new DevOpsFailure(415, 'VssRequestContentTypeNotSupportedException', `The request indicated a Content-Type of "${ct}" for method type "${req.method}" which is not supported. Valid content types for this method are: application/json-patch+json.`);
    }
    return req.json();
  };

  const routes: { method: string; re: RegExp; handle(m: string[], req: SampleRequest, caller: SampleCaller): SampleResponse }[] = [
    {
      method: 'POST', re: /^\/([^/]+)(?:\/([^/]+))?\/_apis\/wit\/wiql$/i,
      handle(m, req, caller) {
        need(caller, WORK_READ);
        const org = orgOf(caller, m[0]!);
        const project = m[1] ? projectOf(org, m[1]).name : undefined;
        const query = (req.json() as { query?: unknown } | undefined)?.query;
        if (typeof query !== 'string') throw new DevOpsFailure(400, 'ArgumentNullException', 'Value cannot be null.\r\nParameter name: wiql');
        const me = tenant.directory.get(caller.oid)!;
        const top = req.query.has('$top') ? Number(req.query.get('$top')) : 20000;
        const ids = wiql(query, [...org.workItems.values()], { me, project }).slice(0, top);
        return json(200, { queryType: 'flat', queryResultType: 'workItem', asOf: new Date(tenant.clock()).toISOString(), columns: [{ referenceName: 'System.Id', name: 'ID', url: `${base}/${org.name}/_apis/wit/fields/System.Id` }], workItems: ids.map((id) => ({ id, url: `${base}/${org.name}/_apis/wit/workItems/${id}` })) });
      },
    },
    {
      method: 'GET', re: /^\/([^/]+)(?:\/([^/_][^/]*))?\/_apis\/wit\/workitems$/i,
      handle(m, req, caller) {
        need(caller, WORK_READ);
        const org = orgOf(caller, m[0]!);
        const ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
        if (ids.length === 0 || ids.length > 200 || ids.some((i) => !/^\d+$/.test(i))) throw new DevOpsFailure(400, 'ArgumentException', 'The ids parameter must list 1 to 200 work item ids.');
        const fields = req.query.get('fields')?.split(',').filter(Boolean);
        const omit = req.query.get('errorPolicy')?.toLowerCase() === 'omit';
        const value = ids.map((id) => (omit ? org.workItems.get(Number(id)) : itemOf(org, id))).map((w) => (w ? itemJson(org, w, fields) : null));
        return json(200, { count: value.length, value });
      },
    },
    {
      method: 'GET', re: /^\/([^/]+)(?:\/([^/_][^/]*))?\/_apis\/wit\/workitems\/(\d+)$/i,
      handle(m, req, caller) {
        need(caller, WORK_READ);
        const org = orgOf(caller, m[0]!);
        return json(200, itemJson(org, itemOf(org, m[2]!, m[1] || undefined), req.query.get('fields')?.split(',').filter(Boolean)));
      },
    },
    {
      method: 'PATCH', re: /^\/([^/]+)(?:\/([^/_][^/]*))?\/_apis\/wit\/workitems\/(\d+)$/i,
      handle(m, req, caller) {
        need(caller, WORK_WRITE);
        const org = orgOf(caller, m[0]!);
        const w = itemOf(org, m[2]!, m[1] || undefined);
        const next = applyPatch(w.fields, jsonPatch(req), tenant.directory.list(), String(w.fields['System.WorkItemType']));
        w.fields = { ...next, 'System.ChangedDate': new Date(tenant.clock()).toISOString() };
        w.rev++;
        return json(200, itemJson(org, w));
      },
    },
    {
      method: 'POST', re: /^\/([^/]+)\/([^/_][^/]*)\/_apis\/wit\/workitems\/\$([^/]+)$/i,
      handle(m, req, caller) {
        need(caller, WORK_WRITE);
        const org = orgOf(caller, m[0]!);
        const project = projectOf(org, m[1]!);
        const type = m[2]!;
        const now = new Date(tenant.clock()).toISOString();
        const base0 = { 'System.TeamProject': project.name, 'System.WorkItemType': type, 'System.State': 'New', 'System.AreaPath': project.name, 'System.IterationPath': project.name, 'System.CreatedDate': now, 'System.ChangedDate': now };
        const fields = applyPatch(base0, jsonPatch(req), tenant.directory.list(), type);
        if (!fields['System.Title']) throw new DevOpsFailure(400, 'RuleValidationException', "TF401320: Rule Error for field Title. Error code: Required, HasValues, LimitedToValues, AllowsOldValue, InvalidEmpty.");
        const w: WorkItem = { id: org.nextWorkItemId++, rev: 1, org: org.name, fields };
        org.workItems.set(w.id, w);
        return json(200, itemJson(org, w));
      },
    },
    {
      method: 'GET', re: /^\/([^/]+)\/([^/_][^/]*)\/_apis\/pipelines$/i,
      handle(m, _req, caller) {
        need(caller, BUILD_READ);
        const org = orgOf(caller, m[0]!);
        const project = projectOf(org, m[1]!);
        const value = org.pipelines.filter((p) => p.project === project.name).map((p) => ({ id: p.id, revision: 1, name: p.name, folder: p.folder, url: `${base}/${org.name}/${encodeURIComponent(project.name)}/_apis/pipelines/${p.id}`, _links: { web: { href: `${base}/${org.name}/${encodeURIComponent(project.name)}/_build/definition?definitionId=${p.id}` } } }));
        return json(200, { count: value.length, value });
      },
    },
    {
      method: 'GET', re: /^\/([^/]+)\/([^/_][^/]*)\/_apis\/pipelines\/(\d+)\/runs$/i,
      handle(m, _req, caller) {
        need(caller, BUILD_READ);
        const org = orgOf(caller, m[0]!);
        const project = projectOf(org, m[1]!);
        const p = pipelineOf(org, project.name, m[2]!);
        const value = org.runs.filter((r) => r.pipelineId === p.id).sort((a, b) => b.id - a.id).map((r) => runJson(org, r));
        return json(200, { count: value.length, value });
      },
    },
    {
      method: 'GET', re: /^\/([^/]+)\/([^/_][^/]*)\/_apis\/pipelines\/(\d+)\/runs\/(\d+)$/i,
      handle(m, _req, caller) {
        need(caller, BUILD_READ);
        const org = orgOf(caller, m[0]!);
        const p = pipelineOf(org, projectOf(org, m[1]!).name, m[2]!);
        const run = org.runs.find((r) => r.pipelineId === p.id && r.id === Number(m[3]));
        if (!run) throw new DevOpsFailure(404, 'PipelineRunNotFoundException', `Pipeline run ${m[3]} not found.`);
        return json(200, runJson(org, run));
      },
    },
    {
      method: 'POST', re: /^\/([^/]+)\/([^/_][^/]*)\/_apis\/pipelines\/(\d+)\/runs$/i,
      handle(m, req, caller) {
        need(caller, BUILD_RUN);
        const org = orgOf(caller, m[0]!);
        const project = projectOf(org, m[1]!);
        const p = pipelineOf(org, project.name, m[2]!);
        const body = (req.json() ?? {}) as { resources?: { repositories?: { self?: { refName?: unknown } } } };
        const ref = body.resources?.repositories?.self?.refName;
        const branch = typeof ref === 'string' && ref ? (ref.startsWith('refs/') ? ref : `refs/heads/${ref}`) : 'refs/heads/main';
        const now = tenant.clock();
        const run: PipelineRun = { id: Math.max(0, ...org.runs.map((r) => r.id)) + 1, pipelineId: p.id, project: project.name, name: `${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}.${org.runs.length + 1}`, createdDate: now, finishesAt: now + 30_000, result: 'succeeded', branch };
        org.runs.push(run);
        return json(200, runJson(org, run));
      },
    },
  ];
  const pipelineOf = (org: DevOpsOrg, project: string, id: string) => {
    const p = org.pipelines.find((x) => x.id === Number(id) && x.project === project);
    if (!p) throw new DevOpsFailure(404, 'PipelineNotFoundException', `Pipeline with id ${id} not found.`);
    return p;
  };

  const run = (list: typeof routes, req: SampleRequest, caller: SampleCaller): SampleResponse | undefined => {
    for (const r of list) {
      const m = r.re.exec(req.path);
      if (!m || r.method !== req.method) continue;
      try {
        apiVersion(req);
        return r.handle(m.slice(1).map((x) => (x === undefined ? '' : decodeURIComponent(x))), req, caller);
      } catch (err) {
        if (err instanceof DevOpsFailure) return devopsError(err.status, err.typeKey, err.message);
        throw err;
      }
    }
    return undefined;
  };

  const profileRoutes: typeof routes = [
    {
      method: 'GET', re: /^\/_apis\/profile\/profiles\/me$/i,
      handle(_m, _req, caller) {
        need(caller, PROFILE);
        const u = tenant.directory.get(caller.oid)!;
        return json(200, { displayName: u.displayName, publicAlias: u.devopsProfileId, emailAddress: u.mail, coreRevision: 1, timeStamp: '2024-01-15T09:30:00.0000000+00:00', id: u.devopsProfileId, revision: 1 });
      },
    },
    {
      method: 'GET', re: /^\/_apis\/accounts$/i,
      handle(_m, req, caller) {
        need(caller, PROFILE);
        const u = tenant.directory.get(caller.oid)!;
        if (req.query.get('memberId')?.toLowerCase() !== u.devopsProfileId) throw new DevOpsFailure(401, 'UnauthorizedRequestException', `TF400813: The user '${u.oid}' is not authorized to access this resource.`);
        const value = u.devopsOrgs.map((name) => ({ accountId: stableId('devops-account', name.toLowerCase()), accountUri: `https://vssps.dev.azure.com/${name}/`, accountName: name, properties: {} }));
        return json(200, { count: value.length, value });
      },
    },
  ];

  return { api: (req, caller) => run(routes, req, caller), profile: (req, caller) => run(profileRoutes, req, caller) };
}
