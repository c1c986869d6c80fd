/**
 * Mail in the sample Graph: list (`$top`, `$select`, `$filter=isRead eq false`, `$search`), one
 * message, and sendMail. Shapes as in learn.microsoft.com/graph/api/user-list-messages,
 * message-get and user-sendmail (202, no body; `$search` cannot be combined with `$orderby`).
 */
import { json } from './http.ts';
import { badRequest, matchesSearch, notFound, page, requireScope, select, type Route } from './odata.ts';
import type { Message, Person, SampleTenant } from './tenant.ts';

const READ = ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'];
const addr = (p: Person) => ({ emailAddress: { name: p.name, address: p.address } });

function messageJson(m: Message, base: string): Record<string, unknown> {
  return {
    id: m.id,
    subject: m.subject,
    bodyPreview: m.body.replace(/\s+/g, ' ').slice(0, 255),
    body: { contentType: 'text', content: m.body },
    from: addr(m.from),
    sender: addr(m.from),
    toRecipients: m.to.map(addr),
    ccRecipients: m.cc.map(addr),
    receivedDateTime: m.receivedDateTime,
    sentDateTime: m.receivedDateTime,
    isRead: m.isRead,
    importance: m.importance,
    hasAttachments: false,
    parentFolderId: m.folder,
    conversationId: `AAQk${m.id.slice(4, 40)}`,
    webLink: `${base.replace(/\/+$/, '')}/owa/?ItemID=${encodeURIComponent(m.id)}`,
  };
}

function recipients(v: unknown, field: string): Person[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw badRequest(`Invalid value for '${field}'.`, 'ErrorInvalidRecipients');
  return v.map((r: { emailAddress?: { address?: unknown; name?: unknown } }) => {
    const address = r?.emailAddress?.address;
    if (typeof address !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(address)) throw badRequest('At least one recipient is not valid.', 'ErrorInvalidRecipients');
    return { address, name: typeof r.emailAddress?.name === 'string' ? r.emailAddress.name : address };
  });
}

export function mailRoutes(tenant: SampleTenant, base: string): Route[] {
  const list = (folder: Message['folder'] | undefined) => (_m: string[], req: Parameters<Route['handle']>[1], caller: Parameters<Route['handle']>[2]) => {
    requireScope(caller, READ);
    const search = req.query.get('$search');
    if (search !== null && req.query.has('$orderby')) throw badRequest("The query parameter '$orderBy' is not supported with '$search'.", 'ErrorInvalidUrlQuery');
    const filter = req.query.get('$filter');
    if (filter !== null && !/^isRead eq (true|false)$/i.test(filter.trim())) throw badRequest(`The sample tenant supports only $filter=isRead eq false (got '${filter}').`, 'ErrorInvalidUrlQueryFilter');
    const unread = filter === null ? undefined : /false/i.test(filter);
    const items = tenant
      .mailbox(caller.oid)
      .filter((m) => (folder ? m.folder === folder : true) && (unread === undefined || m.isRead === !unread) && matchesSearch(search, [m.subject, m.body, m.from.name, m.from.address]))
      .sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime))
      .map((m) => messageJson(m, base));
    return page(req, base, 'message', items, { def: 10, max: 1000 });
  };
  return [
    { method: 'GET', re: /^\/v1\.0\/me\/messages$/i, handle: list(undefined) },
    { method: 'GET', re: /^\/v1\.0\/me\/mailFolders\/(inbox|sentitems)\/messages$/i, handle: (m, req, caller) => list(m[0]!.toLowerCase() as Message['folder'])(m, req, caller) },
    {
      method: 'GET',
      re: /^\/v1\.0\/me\/messages\/([^/]+)$/i,
      handle(m, req, caller) {
        requireScope(caller, READ);
        const msg = tenant.mailbox(caller.oid).find((x) => x.id === m[0]);
        if (!msg) throw notFound();
        return json(200, select(req, 'message', messageJson(msg, base)));
      },
    },
    {
      method: 'POST',
      re: /^\/v1\.0\/me\/sendMail$/i,
      handle(_m, req, caller) {
        requireScope(caller, ['Mail.Send']);
        const body = req.json() as { message?: Record<string, unknown>; saveToSentItems?: unknown } | undefined;
        const message = body?.message;
        if (!message || typeof message !== 'object') throw badRequest('Empty Payload. JSON content expected.', 'ErrorInvalidRequest');
        const to = recipients(message.toRecipients, 'toRecipients');
        const cc = recipients(message.ccRecipients, 'ccRecipients');
        if (to.length + cc.length === 0) throw badRequest('At least one recipient is required, but none were found.', 'ErrorInvalidRecipients');
        const content = (message.body as { content?: unknown } | undefined)?.content;
        tenant.send(caller.oid, { subject: typeof message.subject === 'string' ? message.subject : '', body: typeof content === 'string' ? content : '', to, cc }, body?.saveToSentItems !== false);
        return { status: 202 };
      },
    },
  ];
}
