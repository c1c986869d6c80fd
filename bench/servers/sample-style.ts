/**
 * The peer comparison: an MCP server with Entra sign-in and OBO written the way Microsoft's
 * samples write one (Express, jose's remote key set and jwtVerify on every request, one msal-node
 * ConfidentialClientApplication with its own cache, fetch to Graph), stateless like ours.
 * Usage: node bench/servers/sample-style.ts
 *   (env: PORT, TENANT_ID, CLIENT_ID, CLIENT_SECRET, AUTHORITY_HOST, GRAPH_ENDPOINT, NODE_EXTRA_CA_CERTS)
 */
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const e = (n: string): string => process.env[n] ?? (() => { throw new Error(`${n} is required`); })();
const [tenant, clientId, authorityHost, graph] = [e('TENANT_ID'), e('CLIENT_ID'), e('AUTHORITY_HOST'), e('GRAPH_ENDPOINT')];
const jwks = createRemoteJWKSet(new URL(`${authorityHost}/${tenant}/discovery/v2.0/keys`));
const cca = new ConfidentialClientApplication({
  auth: { clientId, clientSecret: e('CLIENT_SECRET'), authority: `${authorityHost}/${tenant}`, knownAuthorities: [new URL(authorityHost).host] },
});

const app = express();
app.post('/mcp', express.json(), async (req, res) => {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  try {
    if (!token) throw new Error('no token');
    await jwtVerify(token, jwks, { issuer: `${authorityHost}/${tenant}/v2.0`, audience: [clientId, `api://${clientId}`] });
  } catch {
    res.status(401).set('www-authenticate', 'Bearer').json({ error: 'invalid_token' });
    return;
  }
  const server = new McpServer({ name: 'sample', version: '0' }, { capabilities: { tools: {} } });
  server.registerTool('graph_get_profile', { description: 'profile', inputSchema: {} }, async () => {
    const obo = await cca.acquireTokenOnBehalfOf({ oboAssertion: token, scopes: [`${graph}/User.Read`] });
    const r = await fetch(`${graph}/v1.0/me`, { headers: { authorization: `Bearer ${obo!.accessToken}` } });
    const body = (await r.json()) as Record<string, unknown>;
    return { content: [{ type: 'text', text: JSON.stringify(body) }] };
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
