// The public DNS stand-in: A, CNAME and TXT records by name, as a resolver on the internet would see them.
// Azure DNS zones write into it (every emulated zone counts as delegated); domain validation reads it.

export type DnsType = 'A' | 'CNAME' | 'TXT';

export interface DnsRecord {
  name: string;
  type: DnsType;
  values: string[];
}

/** In-process API (`emu.dns`): names are compared lower-cased, without a trailing dot. */
export interface PublicDnsApi {
  /** Replace the record set (a CNAME holds exactly one value; [] deletes). */
  set(name: string, type: DnsType, values: string[]): void;
  delete(name: string, type: DnsType): void;
  /** The values (A addresses; CNAME targets lower-cased without trailing dot; TXT strings verbatim), [] when absent. */
  lookup(name: string, type: DnsType): string[];
  records(): DnsRecord[];
}

export const dnsName = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');
export const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;

function checkType(type: string): DnsType {
  if (type !== 'A' && type !== 'CNAME' && type !== 'TXT') throw new TypeError(`DNS record type must be 'A', 'CNAME' or 'TXT' (got '${type}')`);
  return type;
}

export class PublicDns implements PublicDnsApi {
  readonly #records = new Map<string, DnsRecord>();

  set(name: string, type: DnsType, values: string[]): void {
    checkType(type);
    const n = dnsName(name);
    if (n === '' || !/^[a-z0-9_*]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(n)) throw new TypeError(`'${name}' is not a valid DNS name`);
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw new TypeError('values must be an array of strings');
    if (values.length === 0) return this.delete(n, type);
    if (type === 'CNAME' && values.length !== 1) throw new TypeError('a CNAME record set holds exactly one value');
    if (type === 'A' && values.some((v) => !IPV4.test(v))) throw new TypeError('an A record set holds IPv4 addresses');
    this.#records.set(`${type} ${n}`, { name: n, type, values: type === 'CNAME' ? [dnsName(values[0]!)] : [...values] });
  }

  delete(name: string, type: DnsType): void {
    this.#records.delete(`${checkType(type)} ${dnsName(name)}`);
  }

  lookup(name: string, type: DnsType): string[] {
    return [...(this.#records.get(`${checkType(type)} ${dnsName(name)}`)?.values ?? [])];
  }

  records(): DnsRecord[] {
    return [...this.#records.values()].map((r) => ({ ...r, values: [...r.values] }));
  }
}
