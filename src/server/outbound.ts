/**
 * Every request the server makes (Entra discovery and keys, token exchanges, Graph, Azure DevOps)
 * goes through one undici Agent: keep-alive, and at most `connectionsPerOrigin` connections to
 * each origin (undici keeps a pool per origin), so a burst of new users queues on a few warm
 * connections instead of opening hundreds of TLS handshakes that stall the event loop. Timeouts
 * are the agent's own (no timer per request). msal-node gets it as its network client; fetch is
 * the lean one of request-fetch.ts over the same agent.
 */
import { Agent, fetch as undiciFetch, type buildConnector, type Dispatcher } from 'undici';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { requestFetch } from './request-fetch.ts';

/** No response headers from Entra, Graph or DevOps within this long is a timeout. */
export const OUTBOUND_TIMEOUT_MS = 10_000;

export interface OutboundOptions {
  /** Connections per origin (Entra, Graph, DevOps each get their own pool). */
  connectionsPerOrigin: number;
  /** Give up when no response headers arrived within this long. */
  timeoutMs: number;
  /** How connections are opened (`mcp-obo dev` routes its local platform's host names to it); undici's own otherwise. */
  connect?: buildConnector.connector;
}

export interface Outbound {
  /** fetch through the agent (discovery, keys, the facade's token requests). */
  fetch: typeof fetch;
  /** msal-node's network client, over the same agent. */
  msalNetwork: INetworkModule;
  close(): Promise<void>;
}

export class OutboundTimeoutError extends Error {}

export function createOutbound(o: OutboundOptions): Outbound {
  const agent = new Agent({
    connections: o.connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connect: o.connect ?? { timeout: o.timeoutMs },
  });
  const fullFetch = ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
  const fetchVia = requestFetch(agent, fullFetch);

  // msal's requests: it wants status, flat headers and the parsed JSON body, not a Response.
  async function send(url: string, method: 'GET' | 'POST', headers: Record<string, string> | undefined, body?: string): Promise<Dispatcher.ResponseData> {
    try {
      return await agent.request({ origin: new URL(url).origin, path: url.slice(new URL(url).origin.length) || '/', method, headers, body });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (/TIMEOUT/.test(code)) throw new OutboundTimeoutError(`${new URL(url).host} did not answer within ${o.timeoutMs / 1000} s`, { cause: err });
      throw err;
    }
  }

  const msal = async <T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const res = await send(url, method, options?.headers, method === 'POST' ? (options?.body ?? '') : undefined);
    const text = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    // msal expects a parsed JSON body, as its own client gives it.
    return { status: res.statusCode, headers: flat, body: (text ? JSON.parse(text) : {}) as T };
  };

  return {
    fetch: fetchVia,
    msalNetwork: {
      sendGetRequestAsync: (url, options) => msal(url, 'GET', options),
      sendPostRequestAsync: (url, options) => msal(url, 'POST', options),
    },
    close: () => agent.close(),
  };
}
