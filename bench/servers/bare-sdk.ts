/**
 * The throughput baselines: a bare, stateless MCP SDK server with one tool, no authentication.
 *   BASELINE=fixed       the tool returns a fixed text (the floor: what the SDK itself costs)
 *   BASELINE=downstream  the tool makes the same Graph call our server makes, with a token it was given
 * It shares one JSON Schema validator between its per-request servers (the SDK builds one per
 * server otherwise), as any careful stateless server does. Nothing else: no auth, no logging.
 * Usage: node bench/servers/bare-sdk.ts   (env: BASELINE, PORT, GRAPH_ENDPOINT, GRAPH_TOKEN, NODE_EXTRA_CA_CERTS)
 */
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';

const mode = process.env.BASELINE ?? 'fixed';
const graph = process.env.GRAPH_ENDPOINT;
const graphToken = process.env.GRAPH_TOKEN;
if (mode === 'downstream' && (!graph || !graphToken)) throw new Error('BASELINE=downstream needs GRAPH_ENDPOINT and GRAPH_TOKEN');
const FIXED = { id: '00000000-0000-0000-0000-000000000000', displayName: 'Adele Vance' };
const jsonSchemaValidator = new AjvJsonSchemaValidator();

const app = express();
app.post('/mcp', express.json(), async (req, res) => {
  const server = new McpServer({ name: 'bare', version: '0' }, { capabilities: { tools: {} }, jsonSchemaValidator });
  server.registerTool('graph_get_profile', { description: 'profile', inputSchema: {} }, async () => {
    if (mode === 'fixed') return { content: [{ type: 'text', text: JSON.stringify(FIXED) }], structuredContent: FIXED };
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
