// A throw-away CA and a server certificate signed by it, for 127.0.0.1 / localhost and for the registries'
// login servers (`<name>.azurecr.io` and the sovereign suffixes), which clients reach through proxy.ts.
import { generate } from 'selfsigned';

/** Login-server suffixes of container registries per cloud (azure-cli `acr_login_server_endpoint`). */
export const REGISTRY_SUFFIXES = ['azurecr.io', 'azurecr.us', 'azurecr.cn'];

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** `caName` tells throw-away CAs apart: two trusted CAs with one name make OpenSSL pick the wrong one. */
export async function createTls(caName = 'mcp-obo test emulator CA'): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 7 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: caName }, { name: 'organizationName', value: 'mcp-obo tests' }], {
    keySize: 2048, algorithm: 'sha256', notBeforeDate, notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048, algorithm: 'sha256', notBeforeDate, notAfterDate, ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, ...REGISTRY_SUFFIXES.map((s) => ({ type: 2 as const, value: `*.${s}` }))] },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}
