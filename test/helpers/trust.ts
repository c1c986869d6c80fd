import tls from 'node:tls';

/** In-process tests: trust the emulator's CA for https and fetch (Node >= 24.5). */
export function trustCa(caPem: string): void {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), caPem]);
}
