/**
 * Downstream tokens kept in about a third of their size. A token is a JWS (`header.payload.signature`
 * in base64url): decoded, its bytes are 3/4 of the text, and the header and payload are JSON that
 * repeats from token to token of an API (claim names, issuer, audience, tenant, app ids, scopes), so
 * raw deflate with a dictionary (the header and payload of the first token packed for that API)
 * leaves mostly the per-token values and the signature: a 2.2 KB Graph token keeps ~0.8 KB. The
 * packed bytes are held as a one-byte string (no Buffer object per token). A token that does not
 * round-trip exactly (padding, non-canonical base64url, not a JWS) is kept as it came.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** A packed token: `bytes` holds deflate(header ‖ payload ‖ signature), the lengths split it again; `header` -1: the token as it came. */
export interface Packed {
  bytes: string;
  header: number;
  payload: number;
  dictionary: Buffer | undefined;
}

const asIs = (token: string): Packed => ({ bytes: token, header: -1, payload: 0, dictionary: undefined });

// A 4 KiB window covers the dictionary and a token's JSON; small windows keep zlib's state small.
const ZLIB = { windowBits: 12, memLevel: 5, level: 6 } as const;
const B64URL = /^[A-Za-z0-9_-]+$/;

export class TokenPacker {
  private readonly dictionaries = new Map<string, Buffer>();

  /** `family` groups tokens that look alike (one API); each family learns its dictionary from its first token. */
  pack(token: string, family: string): Packed {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => p.length > 0 && B64URL.test(p))) return asIs(token);
    const [h, p, s] = parts.map((x) => Buffer.from(x, 'base64url')) as [Buffer, Buffer, Buffer];
    // Only an exact round trip is stored packed: the API must get the very bytes Entra issued.
    if (h.toString('base64url') !== parts[0] || p.toString('base64url') !== parts[1] || s.toString('base64url') !== parts[2]) return asIs(token);
    let dictionary = this.dictionaries.get(family);
    if (!dictionary && this.dictionaries.size < 64) {
      dictionary = Buffer.concat([h, p]);
      this.dictionaries.set(family, dictionary);
    }
    const bytes = deflateRawSync(Buffer.concat([h, p, s]), { ...ZLIB, ...(dictionary ? { dictionary } : {}) }).toString('latin1');
    return { bytes, header: h.length, payload: p.length, dictionary };
  }

  static unpack(packed: Packed): string {
    if (packed.header < 0) return packed.bytes;
    const raw = inflateRawSync(Buffer.from(packed.bytes, 'latin1'), { windowBits: ZLIB.windowBits, ...(packed.dictionary ? { dictionary: packed.dictionary } : {}) });
    const end = packed.header + packed.payload;
    return `${raw.toString('base64url', 0, packed.header)}.${raw.toString('base64url', packed.header, end)}.${raw.toString('base64url', end)}`;
  }

  /** Bytes a packed token's text occupies (one byte a character, plus the string's header). */
  static size(packed: Packed): number {
    return packed.bytes.length + 16;
  }
}
