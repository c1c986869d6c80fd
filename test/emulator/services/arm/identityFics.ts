// Federated identity credentials of a user-assigned managed identity (Microsoft.ManagedIdentity 2023-01-31,
// azure-rest-api-specs specification/msi/resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31/ManagedIdentity.json):
// at most 20 per identity, one audience, an https issuer, and the faults Azure has: concurrent writes under one
// identity are refused (409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity, Azure/bicep-registry-modules#1447),
// and an issuer + subject pair may appear once (Azure/bicep-types-az#2029). The token endpoint honours them.
import type { JsonObject, ManagedIdentity } from '../../types.ts';
import { latency, rgOf } from './common.ts';
import { armError, invalidContent, invalidName } from './errors.ts';
import { IDENTITY_TYPE } from './identities.ts';
import { type ACtx, type ArmRoutes, RG } from './index.ts';

export const FIC_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials';
const MAX = 20;
/** Identities (lower-case ids) with a federated credential write in flight. */
const writing = new Set<string>();

function identityOf(a: ACtx): { mi: JsonObject; entry: ManagedIdentity } {
  const rg = rgOf(a, a.m[0]!);
  const mi = a.inv.get(`${String(rg.id)}/providers/${IDENTITY_TYPE}/${a.m[1]!}`);
  if (!mi) throw armError(404, 'ResourceNotFound', `The Resource '${IDENTITY_TYPE}/${a.m[1]}' under resource group '${String(rg.name)}' was not found.`);
  const principalId = String((mi.properties as JsonObject).principalId);
  const entry = a.env.dir.extraIdentities.find((m) => m.principalId === principalId)!;
  entry.federatedCredentials ??= [];
  return { mi, entry };
}

const ficsOf = (a: ACtx, mi: JsonObject): JsonObject[] => a.inv.below(`${String(mi.id)}/federatedIdentityCredentials`).filter((r) => r.type === FIC_TYPE);

async function put(a: ACtx): Promise<void> {
  const name = a.m[2]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/.test(name)) throw invalidName(FIC_TYPE, name, 'The name must be 3 to 120 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores.');
  const { mi, entry } = identityOf(a);
  const id = `${String(mi.id)}/federatedIdentityCredentials/${name}`;
  a.authorize(`${FIC_TYPE}/write`, id, FIC_TYPE);
  const p = a.body().properties as JsonObject | undefined;
  if (!p || typeof p !== 'object') throw invalidContent('properties is required');
  if (typeof p.issuer !== 'string' || !/^https:\/\/\S+$/.test(p.issuer)) throw armError(400, 'BadRequest', 'The issuer must be a valid https URL.');
  if (typeof p.subject !== 'string' || p.subject === '' || p.subject.length > 600) throw armError(400, 'BadRequest', 'The subject must be a non-empty string of at most 600 characters.');
  if (!Array.isArray(p.audiences) || p.audiences.length !== 1 || typeof p.audiences[0] !== 'string') throw armError(400, 'BadRequest', 'Exactly one audience is required.');
  const key = String(mi.id).toLowerCase();
  if (writing.has(key)) {
    throw armError(409, 'ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity', `Too many Federated Identity Credentials are written concurrently for the managed identity '${String(mi.id).toLowerCase()}'. Concurrent Federated Identity Credentials writes under the same managed identity are not supported.`);
  }
  const existing = a.inv.get(id);
  const others = ficsOf(a, mi).filter((f) => f !== existing);
  if (others.some((f) => (f.properties as JsonObject).issuer === p.issuer && (f.properties as JsonObject).subject === p.subject)) {
    throw armError(400, 'BadRequest', 'Issuer and subject combination already exists for this Managed Identity.');
  }
  if (!existing && others.length >= MAX) throw armError(400, 'BadRequest', `The managed identity already has the maximum of ${MAX} federated identity credentials.`);
  writing.add(key);
  try {
    await latency(a, FIC_TYPE);
  } finally {
    writing.delete(key);
  }
  const fic: JsonObject = { id, name, type: FIC_TYPE, properties: { issuer: p.issuer, subject: p.subject, audiences: [...p.audiences] } };
  a.inv.put(fic);
  entry.federatedCredentials = [...entry.federatedCredentials!.filter((f) => f.name !== name), { name, issuer: p.issuer, subject: p.subject, audiences: [p.audiences[0]] }];
  a.send(existing ? 200 : 201, fic);
}

export function registerIdentityFics(routes: ArmRoutes): void {
  const base = `${RG}/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities/([^/]+)/federatedIdentityCredentials`;
  routes.on('PUT', `${base}/([^/]+)`, FIC_TYPE, put);
  routes.on('GET', `${base}/([^/]+)`, FIC_TYPE, (a) => {
    const { mi } = identityOf(a);
    const fic = a.inv.get(`${String(mi.id)}/federatedIdentityCredentials/${a.m[2]!}`);
    if (!fic) throw armError(404, 'NotFound', `The federated identity credential '${a.m[2]}' was not found.`);
    a.send(200, fic);
  });
  routes.on('GET', base, FIC_TYPE, (a) => a.send(200, { value: ficsOf(a, identityOf(a).mi) }));
  routes.on('DELETE', `${base}/([^/]+)`, FIC_TYPE, async (a) => {
    const { mi, entry } = identityOf(a);
    const id = `${String(mi.id)}/federatedIdentityCredentials/${a.m[2]!}`;
    a.authorize(`${FIC_TYPE}/delete`, id, FIC_TYPE);
    const fic = a.inv.get(id);
    if (!fic) return a.send(204);
    await latency(a, FIC_TYPE);
    a.inv.remove(id);
    entry.federatedCredentials = entry.federatedCredentials!.filter((f) => f.name !== fic.name);
    a.send(200);
  });
}
