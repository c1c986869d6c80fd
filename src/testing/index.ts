/**
 * `mcp-obo/testing`: run your tools against the local identity platform and sample tenant of
 * `mcp-obo dev`, from your own `node --test`, with no Azure account:
 *
 *   const server = await startTestServer({ tools: [myTool] });
 *   const result = await server.call('my_tool', { … });            // as Adele Vance
 *   const other = await server.call('my_tool', { … }, { user: 'Alex Wilber' });
 *   await server.close();
 *
 * Calls go through the real server (token verification, On-Behalf-Of with exactly the tool's scopes,
 * the sample Graph and DevOps), the same code that runs in Azure.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { systemClock } from '../clock.ts';
import { platformServerEnv, startPlatform } from '../dev/platform.ts';
import { devConnector } from '../dev/outbound.ts';
import type { SampleTenant } from '../dev/sample/tenant.ts';
import { parseServerConfig } from '../server/config.ts';
import { createLogger, silentLogger } from '../server/logger.ts';
import { createOutbound, OUTBOUND_TIMEOUT_MS } from '../server/outbound.ts';
import { startServer } from '../server/start.ts';
import type { Tool } from '../tools/define.ts';

export interface TestServerOptions {
  /** Your tools (what defineTool returned). */
  tools?: readonly Tool[];
  /** Files or folders of tool modules, as `serve --tools` takes them. */
  modules?: readonly string[];
  /** Packs to offer beside your tools (default none). */
  packs?: readonly string[];
  /** Permissions to leave without consent (`graph/Mail.Send`), to test what your tool says then. */
  withoutConsent?: readonly string[];
  /** Where the server's log lines go (default nowhere). */
  log?: (line: string) => void;
}

export interface TestUser {
  name: string;
  username: string;
  oid: string;
}

export interface TestServer {
  /** `http://127.0.0.1:{port}` */
  url: string;
  mcpUrl: string;
  /** The sample users: Adele Vance (the default), Alex Wilber, Megan Bowen. */
  users: readonly TestUser[];
  /** Calls a tool as a sample user (by name or username; default the first) and returns the MCP result. */
  call(tool: string, args?: Record<string, unknown>, opts?: { user?: string }): Promise<CallToolResult>;
  /** An MCP SDK client connected as a sample user (close it when done). */
  client(user?: string): Promise<Client>;
  /** A sample user's access token for the server, for your own HTTP calls. */
  token(user?: string): Promise<string>;
  /** The sample tenant's data (mailboxes, calendars, sites, DevOps organisations), to check what a tool changed. */
  tenant: SampleTenant;
  close(): Promise<void>;
}

export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const platform = await startPlatform({ withoutConsent: o.withoutConsent });
  try {
    const config = parseServerConfig(
      {
        ...platformServerEnv(platform),
        // Tests call with tokens from the platform directly; the sign-in facade is for browsers (see `mcp-obo dev`).
        MCP_OBO_AUTH: 'entra',
        MCP_OBO_RATE_LIMIT: '0',
        LOG_LEVEL: 'debug',
      },
      { port: 0, packs: (o.packs ?? []).join(','), tools: o.modules ? [...o.modules] : undefined },
    );
    const logger = o.log ? createLogger({ level: 'debug', write: o.log }) : silentLogger;
    const outbound = createOutbound({ connectionsPerOrigin: 8, timeoutMs: OUTBOUND_TIMEOUT_MS, connect: devConnector(platform.port, OUTBOUND_TIMEOUT_MS) });
    const running = await startServer(config, { logger, outbound, tools: o.tools, clock: systemClock });
    await running.ready;
    const mcpUrl = `${running.url}/mcp`;
    const users = platform.users.map((u) => ({ name: u.displayName, username: u.userPrincipalName, oid: u.oid }));
    const userOf = (who?: string) => {
      const u = who === undefined ? users[0] : users.find((x) => x.name === who || x.username.toLowerCase() === who.toLowerCase() || x.oid === who);
      if (!u) throw new RangeError(`no sample user "${who}" (there are ${users.map((x) => x.name).join(', ')})`);
      return u;
    };
    const token = (who?: string) => platform.entra.userToken(userOf(who).oid);
    const client = async (who?: string) => {
      const c = new Client({ name: 'mcp-obo-testing', version: '1' });
      await c.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${await token(who)}` } } }));
      return c;
    };
    return {
      url: running.url,
      mcpUrl,
      users,
      token,
      client,
      tenant: platform.tenant,
      async call(tool, args = {}, opts = {}) {
        const c = await client(opts.user);
        try {
          return (await c.callTool({ name: tool, arguments: args })) as CallToolResult;
        } finally {
          await c.close();
        }
      },
      async close() {
        await running.close();
        await platform.close();
      },
    };
  } catch (err) {
    await platform.close();
    throw err;
  }
}

export type { SampleTenant } from '../dev/sample/tenant.ts';
