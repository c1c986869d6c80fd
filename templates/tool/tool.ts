/**
 * __TITLE__: an MCP tool served by mcp-obo. Try it without Azure: `npx mcp-obo dev --tools ./__DIR__ --watch`.
 * `scopes` are exactly the delegated permissions it needs: `mcp-obo provision` adds them to the app
 * registration and `mcp-obo consent` grants them; each call gets a token for these and no others.
 */
import { defineTool, READ_ONLY, z } from 'mcp-obo/tools';

interface Message {
  subject?: string;
  from?: { emailAddress?: { address?: string } };
  receivedDateTime?: string;
}

export default defineTool({
  name: '__NAME__',
  title: '__TITLE__',
  description: 'Lists the subjects and senders of the signed-in user\'s newest messages. Replace this with what your tool does and when to use it.',
  input: z.object({
    top: z.number().int().min(1).max(25).default(5).describe('how many messages'),
  }),
  output: z.object({
    messages: z.array(z.object({ subject: z.string(), from: z.string(), received: z.string() })),
  }),
  annotations: READ_ONLY,
  scopes: { graph: ['Mail.Read'] },
  async handler({ top }, ctx) {
    const page = (await ctx.graph.api('/me/messages').select(['subject', 'from', 'receivedDateTime']).top(top).get()) as { value: Message[] };
    ctx.logger.info('__NAME__.listed', { count: page.value.length });
    return {
      messages: page.value.map((m) => ({ subject: m.subject ?? '', from: m.from?.emailAddress?.address ?? '', received: m.receivedDateTime ?? '' })),
    };
  },
});
