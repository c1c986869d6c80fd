/**
 * Work item logic of the sample DevOps: the WIQL subset it understands (conditions joined by AND on
 * AssignedTo = @Me, State, WorkItemType and TeamProject; ORDER BY one field) and JSON Patch updates
 * of fields (add / replace / remove / test on /fields/…, as learn.microsoft.com/rest/api/azure/devops/
 * wit/work-items/update describes). Anything else is refused as DevOps refuses a bad query.
 */
import type { SampleUser, WorkItem } from './tenant.ts';

/** A refusal in DevOps' terms: HTTP status, typeKey and message. */
export class DevOpsFailure extends Error {
  readonly status: number;
  readonly typeKey: string;

  constructor(status: number, typeKey: string, message: string) {
    super(message);
    this.status = status;
    this.typeKey = typeKey;
  }
}

const STATES = ['New', 'Active', 'Resolved', 'Closed', 'Removed'];
const TYPES = ['Bug', 'Task', 'User Story', 'Feature', 'Epic', 'Issue'];
const WRITABLE = ['System.Title', 'System.State', 'System.AssignedTo', 'System.Description', 'System.Tags', 'System.History', 'Microsoft.VSTS.Common.Priority', 'System.AreaPath', 'System.IterationPath', 'System.Reason'];

const syntax = (detail: string) => new DevOpsFailure(400, 'WorkItemTrackingQuerySyntaxException', `TF51005: The query references a field or operator the sample tenant does not support: ${detail}.`);

function fieldValue(w: WorkItem, field: string): string {
  const v = w.fields[field];
  if (v && typeof v === 'object') return String((v as { uniqueName?: string }).uniqueName ?? '');
  return String(v ?? '');
}

/** The ids a WIQL query selects, in its order. */
export function wiql(query: string, items: WorkItem[], ctx: { me: SampleUser; project?: string }): number[] {
  const m = /^\s*SELECT\s+.+?\s+FROM\s+WorkItems\s*(?:WHERE\s+(.+?))?\s*(?:ORDER\s+BY\s+\[([\w.]+)\]\s*(ASC|DESC)?)?\s*$/is.exec(query);
  if (!m) throw syntax('expected SELECT … FROM WorkItems [WHERE …] [ORDER BY [field] [ASC|DESC]]');
  const conditions = m[1] ? m[1].split(/\s+AND\s+/i) : [];
  let out = items;
  for (const c of conditions) {
    const cond = /^\s*\[([\w.]+)\]\s*(=|<>|NOT\s+IN|IN)\s*(.+?)\s*$/i.exec(c);
    if (!cond) throw syntax(c.trim());
    const [, field, opRaw, rhs] = cond as unknown as [string, string, string, string];
    const op = opRaw.toUpperCase().replace(/\s+/g, ' ');
    let values: string[];
    if (rhs === '@Me') values = [ctx.me.userPrincipalName];
    else if (rhs === '@project') {
      if (!ctx.project) throw new DevOpsFailure(400, 'WorkItemTrackingQueryException', 'TF51011: The @project macro needs a project in the URL.');
      values = [ctx.project];
    } else if (/^\(.*\)$/.test(rhs)) values = [...rhs.matchAll(/'((?:[^']|'')*)'/g)].map((x) => x[1]!.replace(/''/g, "'"));
    else if (/^'((?:[^']|'')*)'$/.test(rhs)) values = [rhs.slice(1, -1).replace(/''/g, "'")];
    else throw syntax(rhs);
    if (!['System.AssignedTo', 'System.State', 'System.WorkItemType', 'System.TeamProject'].includes(field)) throw syntax(field);
    const lower = values.map((v) => v.toLowerCase());
    const has = (w: WorkItem) => lower.includes(fieldValue(w, field).toLowerCase());
    out = out.filter((w) => (op === '=' || op === 'IN' ? has(w) : !has(w)));
  }
  if (ctx.project) out = out.filter((w) => String(w.fields['System.TeamProject']).toLowerCase() === ctx.project!.toLowerCase());
  const by = m[2];
  if (by) {
    const dir = (m[3] ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1;
    out = [...out].sort((a, b) => dir * fieldValue(a, by).localeCompare(fieldValue(b, by), undefined, { numeric: true }));
  }
  return out.map((w) => w.id);
}

/** Applies a JSON Patch document to work item fields; returns the new fields. */
export function applyPatch(fields: Record<string, unknown>, doc: unknown, users: SampleUser[], type: string): Record<string, unknown> {
  if (!TYPES.includes(type)) throw new DevOpsFailure(404, 'WorkItemTypeNotFoundException', `TF201036: Work item type ${type} does not exist.`);
  if (!Array.isArray(doc) || doc.length === 0) throw new DevOpsFailure(400, 'VssPropertyValidationException', 'You must pass a valid patch document in the body of the request.');
  const next = { ...fields };
  for (const op of doc as { op?: unknown; path?: unknown; value?: unknown }[]) {
    const path = typeof op?.path === 'string' ? op.path : '';
    if (op?.op === 'test') continue;
    const field = /^\/fields\/(.+)$/.exec(path)?.[1];
    if (!field || !['add', 'replace', 'remove'].includes(String(op.op))) throw new DevOpsFailure(400, 'VssPropertyValidationException', `The sample tenant supports add, replace, remove and test on /fields/… (got ${String(op?.op)} ${path}).`);
    if (!WRITABLE.includes(field)) throw new DevOpsFailure(400, 'WorkItemFieldInvalidException', `TF51535: Cannot find field ${field}.`);
    if (op.op === 'remove') {
      next[field] = null;
      continue;
    }
    let value = op.value;
    if (field === 'System.State' && !STATES.includes(String(value))) throw new DevOpsFailure(400, 'RuleValidationException', `TF401320: Rule Error for field State. The value '${String(value)}' is not in the list of supported values.`);
    if (field === 'System.AssignedTo' && value !== null && value !== '') {
      const who = String(value).toLowerCase();
      const u = users.find((x) => x.userPrincipalName.toLowerCase() === who || x.mail.toLowerCase() === who || x.displayName.toLowerCase() === who);
      if (!u) throw new DevOpsFailure(400, 'RuleValidationException', `TF401320: Rule Error for field Assigned To. The identity '${String(value)}' is not known.`);
      value = { displayName: u.displayName, uniqueName: u.userPrincipalName, id: u.devopsProfileId };
    }
    if (field === 'Microsoft.VSTS.Common.Priority' && ![1, 2, 3, 4].includes(Number(value))) throw new DevOpsFailure(400, 'RuleValidationException', 'TF401320: Rule Error for field Priority: it must be 1, 2, 3 or 4.');
    if (field === 'System.History') continue;
    next[field] = field === 'Microsoft.VSTS.Common.Priority' ? Number(value) : value;
  }
  return next;
}
