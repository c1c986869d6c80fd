/**
 * The baseline for throughput: the same graph_get_profile tool served by a bare, stateless MCP SDK
 * server with no auth and no OBO; it calls the emulator's Graph with a token it was given.
 * Usage: node bench/bare-server.ts   (env: PORT, GRAPH_ENDPOINT, GRAPH_TOKEN, NODE_EXTRA_CA_CERTS)
 */
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const graph = process.env.GRAPH_ENDPOINT!;
const graphToken = process.env.GRAPH_TOKEN!;
const app = express();
app.post('/mcp', express.json(), async (req, res) => {
  const server = new McpServer({ name: 'bare', version: '0' }, { capabilities: { tools: {} } });
  server.registerTool('graph_get_profile', { description: 'profile', inputSchema: {} }, async () => {
    const r = await fetch(`${graph}/v1.0/me?$select=id,displayName,givenName,surname,mail,userPrincipalName,jobTitle,department,officeLocation`, {
      headers: { authorization: `Bearer ${graphToken}`, accept: 'application/json' },
    });
    const body = (await r.json()) as Record<string, unknown>;
    return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body };
  });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});
const listener = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = listener.address() as { port: number };
  process.stdout.write(JSON.stringify({ event: 'server.listening', url: `http://127.0.0.1:${a.port}` }) + '\n');
});
process.on('SIGTERM', () => listener.close(() => process.exit(0)));
