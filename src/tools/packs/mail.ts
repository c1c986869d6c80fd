/** The `mail` pack: the user's recent mail, one message, search, and send (marked destructive). */
import { z } from 'zod';
import { defineTool } from '../define.ts';
import { DESTRUCTIVE, graphPage, READ_ONLY, truncate } from '../helpers.ts';

const LIST_FIELDS = ['id', 'subject', 'from', 'receivedDateTime', 'bodyPreview', 'isRead', 'importance'];
const BODY_CHARS = 20_000;

interface GraphMessage {
  id: string;
  subject?: string | null;
  from?: { emailAddress?: { name?: string; address?: string } };
  toRecipients?: { emailAddress?: { name?: string; address?: string } }[];
  ccRecipients?: { emailAddress?: { name?: string; address?: string } }[];
  receivedDateTime?: string;
  bodyPreview?: string;
  body?: { contentType?: string; content?: string };
  isRead?: boolean;
  importance?: string;
  webLink?: string;
}

const summary = z.object({
  id: z.string().describe('pass to mail_read'),
  subject: z.string(),
  from: z.string().describe('"Name <address>"'),
  received: z.string(),
  preview: z.string(),
  isRead: z.boolean(),
  importance: z.string(),
});
const listOutput = z.object({ messages: z.array(summary), nextCursor: z.string().nullable().describe('pass as cursor for the next page') });
const who = (p: GraphMessage['from']) => (p?.emailAddress ? `${p.emailAddress.name ?? ''} <${p.emailAddress.address ?? ''}>`.trim() : '');
const toSummary = (m: GraphMessage) => ({ id: m.id, subject: m.subject ?? '', from: who(m.from), received: m.receivedDateTime ?? '', preview: m.bodyPreview ?? '', isRead: Boolean(m.isRead), importance: m.importance ?? 'normal' });
const limit = z.number().int().min(1).max(50).default(10).describe('messages per page (1-50)');
const cursor = z.string().max(4000).optional().describe('nextCursor from the previous page');

export const mailListRecent = defineTool({
  name: 'mail_list_recent',
  title: 'Recent mail',
  description: "Lists the newest messages in the signed-in user's inbox (sender, subject, preview), newest first. Use unreadOnly for unread mail.",
  input: z.object({ limit, unreadOnly: z.boolean().default(false), cursor }),
  output: listOutput,
  annotations: READ_ONLY,
  scopes: { graph: ['Mail.Read'] },
  async handler({ limit, unreadOnly, cursor }, ctx) {
    // Graph refuses $orderby on a property the $filter does not name; the inbox is newest first anyway.
    const page = await graphPage<GraphMessage>(ctx.graph, '/me/mailFolders/inbox/messages', (r) => {
      const req = r.select(LIST_FIELDS).top(limit);
      return unreadOnly ? req.filter('isRead eq false') : req.orderby('receivedDateTime desc');
    }, cursor);
    return { messages: page.items.map(toSummary), nextCursor: page.nextCursor };
  },
});

export const mailRead = defineTool({
  name: 'mail_read',
  title: 'Read a message',
  description: 'Reads one message by id (from mail_list_recent or mail_search): sender, recipients, date and the body as plain text (long bodies are cut).',
  input: z.object({ id: z.string().min(1).max(512) }),
  output: z.object({ id: z.string(), subject: z.string(), from: z.string(), to: z.array(z.string()), cc: z.array(z.string()), received: z.string(), body: z.string(), truncated: z.boolean(), webLink: z.string().nullable() }),
  annotations: READ_ONLY,
  scopes: { graph: ['Mail.Read'] },
  async handler({ id }, ctx) {
    const m = (await ctx.graph
      .api(`/me/messages/${encodeURIComponent(id)}`)
      .select(['id', 'subject', 'from', 'toRecipients', 'ccRecipients', 'receivedDateTime', 'body', 'webLink'])
      .header('Prefer', 'outlook.body-content-type="text"')
      .get()) as GraphMessage;
    const body = truncate(m.body?.content, BODY_CHARS);
    return {
      id: m.id, subject: m.subject ?? '', from: who(m.from), to: (m.toRecipients ?? []).map(who), cc: (m.ccRecipients ?? []).map(who), received: m.receivedDateTime ?? '',
      body: body.text, truncated: body.truncated, webLink: m.webLink ?? null,
    };
  },
});

export const mailSearch = defineTool({
  name: 'mail_search',
  title: 'Search mail',
  description: "Searches the signed-in user's mail (subject, body, sender) for words, most relevant first.",
  input: z.object({ query: z.string().min(1).max(200).describe('words to look for'), limit, cursor }),
  output: listOutput,
  annotations: READ_ONLY,
  scopes: { graph: ['Mail.Read'] },
  testInput: { query: 'meeting', limit: 1 },
  async handler({ query, limit, cursor }, ctx) {
    // $search takes a quoted phrase; quotes inside it would end it early.
    const terms = query.replace(/["\\]/g, ' ').trim();
    const page = await graphPage<GraphMessage>(ctx.graph, '/me/messages', (r) => r.search(`"${terms}"`).select(LIST_FIELDS).top(limit), cursor);
    return { messages: page.items.map(toSummary), nextCursor: page.nextCursor };
  },
});

const address = z.email().max(320);

export const mailSend = defineTool({
  name: 'mail_send',
  title: 'Send mail',
  description: 'Sends a plain-text e-mail as the signed-in user and saves it in Sent Items. It cannot be undone: confirm recipients and text with the user first.',
  input: z.object({
    to: z.array(address).min(1).max(20),
    cc: z.array(address).max(20).default([]),
    subject: z.string().min(1).max(255),
    body: z.string().max(BODY_CHARS),
  }),
  output: z.object({ sent: z.boolean(), to: z.array(z.string()), cc: z.array(z.string()), subject: z.string() }),
  annotations: DESTRUCTIVE,
  scopes: { graph: ['Mail.Send'] },
  async handler({ to, cc, subject, body }, ctx) {
    const recipients = (list: string[]) => list.map((a) => ({ emailAddress: { address: a } }));
    await ctx.graph.api('/me/sendMail').post({ message: { subject, body: { contentType: 'Text', content: body }, toRecipients: recipients(to), ccRecipients: recipients(cc) }, saveToSentItems: true });
    ctx.logger.info('mail.sent', { recipients: to.length + cc.length });
    return { sent: true, to, cc, subject };
  },
});

export const mailPack = [mailListRecent, mailRead, mailSearch, mailSend];
