/** The `devops-work` pack: my work items (WIQL), one work item, create and update. */
import { z } from 'zod';
import { defineTool, type ToolContext } from '../define.ts';
import { DESTRUCTIVE, READ_ONLY, truncate, WRITES } from '../helpers.ts';

const organization = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,49}$/).describe('Azure DevOps organisation (devops_get_profile lists yours)');
const project = z.string().min(1).max(64).describe('project name');
const FIELDS = ['System.Id', 'System.Title', 'System.State', 'System.WorkItemType', 'System.AssignedTo', 'System.TeamProject', 'System.ChangedDate', 'Microsoft.VSTS.Common.Priority'];

interface WorkItemJson {
  id: number;
  rev?: number;
  fields?: Record<string, unknown>;
  _links?: { html?: { href?: string } };
}

const summary = z.object({ id: z.number(), title: z.string(), state: z.string(), type: z.string(), assignedTo: z.string().nullable(), project: z.string(), priority: z.number().nullable(), changed: z.string(), url: z.string() });
const person = (v: unknown) => (v && typeof v === 'object' ? String((v as { displayName?: string }).displayName ?? (v as { uniqueName?: string }).uniqueName ?? '') : typeof v === 'string' ? v : null);
const toSummary = (w: WorkItemJson) => {
  const f = w.fields ?? {};
  return {
    id: w.id, title: String(f['System.Title'] ?? ''), state: String(f['System.State'] ?? ''), type: String(f['System.WorkItemType'] ?? ''), assignedTo: person(f['System.AssignedTo']),
    project: String(f['System.TeamProject'] ?? ''), priority: typeof f['Microsoft.VSTS.Common.Priority'] === 'number' ? (f['Microsoft.VSTS.Common.Priority'] as number) : null, changed: String(f['System.ChangedDate'] ?? ''), url: w._links?.html?.href ?? '',
  };
};

/** JSON Patch operations for the fields given (undefined values are left alone). */
function patch(values: Record<string, unknown>, extra: { op: string; path: string; value?: unknown }[] = []) {
  return [...Object.entries(values).filter(([, v]) => v !== undefined).map(([field, value]) => ({ op: 'add', path: `/fields/${field}`, value })), ...extra];
}

async function byIds(ctx: ToolContext, org: string, ids: number[]): Promise<WorkItemJson[]> {
  if (ids.length === 0) return [];
  const res = await ctx.devops.request<{ value?: WorkItemJson[] }>(org, '_apis/wit/workitems', { query: { ids: ids.join(','), fields: FIELDS.join(','), errorPolicy: 'omit' } });
  return (res.value ?? []).filter(Boolean);
}

export const devopsMyWorkItems = defineTool({
  name: 'devops_my_work_items',
  title: 'My work items',
  description: 'Work items assigned to the signed-in user in an Azure DevOps organisation (optionally one project), most recently changed first; closed ones only when asked.',
  input: z.object({ organization, project: project.optional(), includeClosed: z.boolean().default(false), limit: z.number().int().min(1).max(50).default(20) }),
  output: z.object({ workItems: z.array(summary) }),
  annotations: READ_ONLY,
  scopes: { devops: ['vso.work'] },
  async handler({ organization, project, includeClosed, limit }, ctx) {
    const open = includeClosed ? '' : " AND [System.State] <> 'Closed' AND [System.State] <> 'Removed'";
    const query = `SELECT [System.Id] FROM WorkItems WHERE [System.AssignedTo] = @Me${project ? ' AND [System.TeamProject] = @project' : ''}${open} ORDER BY [System.ChangedDate] DESC`;
    const path = project ? `${encodeURIComponent(project)}/_apis/wit/wiql` : '_apis/wit/wiql';
    const found = await ctx.devops.request<{ workItems?: { id: number }[] }>(organization, path, { body: { query }, query: { $top: limit } });
    const ids = (found.workItems ?? []).slice(0, limit).map((w) => w.id);
    const items = await byIds(ctx, organization, ids);
    // The batch answers in any order; keep the query's.
    return { workItems: ids.map((id) => items.find((w) => w.id === id)).filter((w): w is WorkItemJson => Boolean(w)).map(toSummary) };
  },
});

export const devopsGetWorkItem = defineTool({
  name: 'devops_get_work_item',
  title: 'Work item',
  description: 'One Azure DevOps work item by id: title, state, type, assignee, priority and description (as text).',
  input: z.object({ organization, id: z.number().int().positive() }),
  output: summary.extend({ description: z.string(), truncated: z.boolean(), rev: z.number() }),
  annotations: READ_ONLY,
  scopes: { devops: ['vso.work'] },
  async handler({ organization, id }, ctx) {
    const w = await ctx.devops.request<WorkItemJson>(organization, `_apis/wit/workitems/${id}`);
    const description = truncate(String(w.fields?.['System.Description'] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(), 10_000);
    return { ...toSummary(w), description: description.text, truncated: description.truncated, rev: w.rev ?? 0 };
  },
});

const TYPES = ['Bug', 'Task', 'User Story', 'Feature', 'Epic', 'Issue'] as const;

export const devopsCreateWorkItem = defineTool({
  name: 'devops_create_work_item',
  title: 'Create a work item',
  description: 'Creates an Azure DevOps work item (Bug, Task, User Story, …) in a project, optionally assigned to someone (their e-mail).',
  input: z.object({
    organization, project, type: z.enum(TYPES), title: z.string().min(1).max(255), description: z.string().max(10_000).optional(),
    assignedTo: z.string().max(320).optional(), priority: z.number().int().min(1).max(4).optional(),
  }),
  output: summary,
  annotations: WRITES,
  scopes: { devops: ['vso.work_write'] },
  async handler({ organization, project, type, title, description, assignedTo, priority }, ctx) {
    const body = patch({ 'System.Title': title, 'System.Description': description, 'System.AssignedTo': assignedTo, 'Microsoft.VSTS.Common.Priority': priority });
    const w = await ctx.devops.request<WorkItemJson>(organization, `${encodeURIComponent(project)}/_apis/wit/workitems/$${encodeURIComponent(type)}`, { method: 'POST', body, contentType: 'application/json-patch+json' });
    return toSummary(w);
  },
});

export const devopsUpdateWorkItem = defineTool({
  name: 'devops_update_work_item',
  title: 'Update a work item',
  description: "Changes an Azure DevOps work item's state, title, assignee or priority, and can add a comment to its history. Old values are overwritten.",
  input: z.object({
    organization, id: z.number().int().positive(), state: z.enum(['New', 'Active', 'Resolved', 'Closed', 'Removed']).optional(), title: z.string().min(1).max(255).optional(),
    assignedTo: z.string().max(320).optional(), priority: z.number().int().min(1).max(4).optional(), comment: z.string().max(10_000).optional(),
  }),
  output: summary,
  annotations: DESTRUCTIVE,
  scopes: { devops: ['vso.work_write'] },
  async handler({ organization, id, state, title, assignedTo, priority, comment }, ctx) {
    const body = patch({ 'System.State': state, 'System.Title': title, 'System.AssignedTo': assignedTo, 'Microsoft.VSTS.Common.Priority': priority, 'System.History': comment });
    if (body.length === 0) return toSummary(await ctx.devops.request<WorkItemJson>(organization, `_apis/wit/workitems/${id}`));
    const w = await ctx.devops.request<WorkItemJson>(organization, `_apis/wit/workitems/${id}`, { method: 'PATCH', body, contentType: 'application/json-patch+json' });
    return toSummary(w);
  },
});

export const devopsWorkPack = [devopsMyWorkItems, devopsGetWorkItem, devopsCreateWorkItem, devopsUpdateWorkItem];
