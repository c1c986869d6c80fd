/**
 * The narrow seam of the sample services: a request already authenticated by whoever serves it
 * (`mcp-obo dev`'s local platform, or the test emulator with its own token checks), and a response
 * as data. No server, no framework: both hosts keep their own HTTP handling.
 */
export interface SampleRequest {
  method: string;
  /** Path below the service's base, e.g. `/v1.0/me/messages` or `/contoso/_apis/wit/wiql`. */
  path: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  json(): unknown;
}

export interface SampleResponse {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (downloads). */
  bytes?: Buffer;
}

/** Who calls: the token's user and its delegated permissions (`scp`). */
export interface SampleCaller {
  oid: string;
  scopes: readonly string[];
}

/** Answers a request it knows, or undefined for a path it does not serve. */
export type SampleHandler = (req: SampleRequest, caller: SampleCaller) => SampleResponse | undefined;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): SampleResponse => ({ status, json: body, headers });
