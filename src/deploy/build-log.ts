/**
 * Reading an ACR Tasks run log as `az acr build` does (Azure/azure-cli,
 * src/azure-cli/azure/cli/command_modules/acr/_stream_utils.py): the log is an append blob read by
 * byte ranges until its `Complete` metadata is set, or, when the service returns a
 * `logArtifactLink` (the log kept in the registry), that link read whole. Offsets count bytes, and
 * a multi-byte character split across two reads is decoded once both halves are in.
 */

export interface LogLinks {
  logLink?: string;
  logArtifactLink?: string;
}

/** The append-blob log: each poll reads the bytes after the last one shown. */
export class BlobLogReader {
  #offset = 0;
  readonly #decoder = new TextDecoder('utf-8');
  readonly #url: string;
  readonly #fetch: typeof fetch;
  /** Everything shown so far (for the tail on failure). */
  text = '';

  constructor(url: string, f: typeof fetch) {
    this.#url = url;
    this.#fetch = f;
  }

  /** Reads what is new and passes it on; returns the blob's Complete metadata (set once the run has ended). */
  async poll(onText: (text: string) => void): Promise<string | undefined> {
    const res = await this.#fetch(this.#url, { headers: { range: `bytes=${this.#offset}-`, 'x-ms-version': '2021-08-06' } });
    let bytes = new Uint8Array(0);
    if (res.status === 200 || res.status === 206) {
      bytes = new Uint8Array(await res.arrayBuffer());
      // 200: the service ignored the range and sent everything; skip the bytes already shown.
      if (res.status === 200) bytes = bytes.subarray(Math.min(this.#offset, bytes.length));
    } else await res.body?.cancel(); // 416 before the first byte is written, or nothing new
    this.#offset += bytes.length;
    const text = this.#decoder.decode(bytes, { stream: true });
    if (text) {
      this.text += text;
      onText(text);
    }
    return res.headers.get('x-ms-meta-complete') ?? undefined;
  }
}

/** The registry-kept log (logArtifactLink): one read of the whole log, once the run has ended. */
export async function readArtifactLog(url: string, f: typeof fetch): Promise<string> {
  const res = await f(url);
  if (res.status !== 200) {
    await res.body?.cancel();
    return '';
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(await res.arrayBuffer()));
}
