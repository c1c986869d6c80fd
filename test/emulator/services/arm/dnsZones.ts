// Azure DNS (Microsoft.Network/dnsZones): public zones (location 'global', synchronous) and their A, CNAME and TXT
// record sets (a CNAME never at the apex, never beside another type: RFC 1034 §3.6.2). Every zone counts as delegated: its records are what the public DNS stand-in answers.
import { IPV4 } from '../../core/dns.ts';
import { guid, isRecord } from '../../core/http.ts';
import type { JsonObject } from '../../types.ts';
import { childId, rgOf, systemData, tagsOf } from './common.ts';
import { armError, resourceNotFound } from './errors.ts';
import { type ACtx, type ArmRoutes, RG, SUB } from './index.ts';

export const ZONE_TYPE = 'Microsoft.Network/dnszones';
/** The type write denial is keyed by (record sets too): `arm.denyWrites(oid, ['Microsoft.Network/dnsZones'])`. */
const DENY_TYPE = 'Microsoft.Network/dnsZones';
const NAME_SERVERS = ['ns1-01.azure-dns.com.', 'ns2-01.azure-dns.net.', 'ns3-01.azure-dns.org.', 'ns4-01.azure-dns.info.'];
const ZONE_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const lc = (s: unknown): string => String(s).toLowerCase();
const props = (r: JsonObject): JsonObject => r.properties as JsonObject;

/** The DNS name of a record set: '@' is the zone apex. */
const fqdnOf = (rel: string, zone: string): string => (rel === '@' ? lc(zone) : `${lc(rel)}.${lc(zone)}`);

function zoneOf(a: ACtx, rgName: string, zone: string): JsonObject {
  const rg = rgOf(a, rgName);
  const z = a.inv.get(childId(rg, ZONE_TYPE, zone));
  if (!z) throw resourceNotFound(ZONE_TYPE, zone, String(rg.name));
  return z;
}

const recordSets = (a: ACtx, zone: JsonObject): JsonObject[] => a.inv.below(String(zone.id)).filter((r) => String(r.type).startsWith(`${ZONE_TYPE}/`));

/** NS and SOA at the apex, as Azure creates them with the zone (read-only here). */
function apexSets(zone: JsonObject): JsonObject[] {
  const base = { name: '@', etag: guid(), properties: { TTL: 172800, fqdn: `${String(zone.name)}.`, provisioningState: 'Succeeded', targetResource: {}, metadata: null } };
  return [
    { ...base, id: `${String(zone.id)}/NS/@`, type: `${ZONE_TYPE}/NS`, properties: { ...base.properties, NSRecords: NAME_SERVERS.map((nsdname) => ({ nsdname })) } },
    {
      ...base, id: `${String(zone.id)}/SOA/@`, type: `${ZONE_TYPE}/SOA`,
      properties: { ...base.properties, TTL: 3600, SOARecord: { host: NAME_SERVERS[0], email: 'azuredns-hostmaster.microsoft.com', serialNumber: 1, refreshTime: 3600, retryTime: 300, expireTime: 2419200, minimumTTL: 300 } },
    },
  ];
}

function zoneJson(a: ACtx, zone: JsonObject): JsonObject {
  return { ...zone, properties: { ...props(zone), numberOfRecordSets: 2 + recordSets(a, zone).length } };
}

/** Remove a zone's records from the public DNS (zone DELETE or its resource group's). */
export function dnsZoneRemoved(a: ACtx, r: JsonObject): void {
  if (lc(r.type) !== lc(ZONE_TYPE)) return;
  for (const rs of recordSets(a, r)) a.env.dns.delete(fqdnOf(String(rs.name), String(r.name)), String(rs.type).split('/').pop() as RecordType);
}

const badRecord = (message: string): Error => armError(400, 'BadRequest', message);
type RecordType = 'A' | 'CNAME' | 'TXT';

/** Validate a record set body; returns the stored properties and the public DNS values. */
function recordProps(type: RecordType, rel: string, body: JsonObject): { p: JsonObject; values: string[] } {
  const p = isRecord(body.properties) ? body.properties : {};
  const ttl = p.TTL ?? 3600;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647) throw badRecord(`The value '${String(ttl)}' of TTL is invalid.`);
  const out: JsonObject = { metadata: p.metadata ?? null, TTL: ttl };
  if (type === 'A') {
    const recs = p.ARecords;
    if (!Array.isArray(recs) || recs.length === 0 || recs.some((r) => !isRecord(r) || typeof r.ipv4Address !== 'string' || !IPV4.test(r.ipv4Address))) {
      throw badRecord('The A record set must contain ARecords, each with a valid ipv4Address.');
    }
    out.ARecords = recs.map((r) => ({ ipv4Address: (r as JsonObject).ipv4Address }));
    return { p: out, values: recs.map((r) => String((r as JsonObject).ipv4Address)) };
  }
  if (type === 'CNAME') {
    if (rel === '@') throw badRecord('The CNAME record set cannot be created at the zone apex.');
    const c = p.CNAMERecord;
    if (!isRecord(c) || typeof c.cname !== 'string' || c.cname === '') throw badRecord('The CNAME record set must contain a CNAMERecord with a cname.');
    out.CNAMERecord = { cname: c.cname };
    return { p: out, values: [c.cname] };
  }
  const recs = p.TXTRecords;
  if (!Array.isArray(recs) || recs.length === 0 || recs.some((r) => !isRecord(r) || !Array.isArray(r.value) || r.value.length === 0 || r.value.some((v) => typeof v !== 'string'))) {
    throw badRecord('The TXT record set must contain TXTRecords, each with a non-empty value array of strings.');
  }
  out.TXTRecords = recs.map((r) => ({ value: [...((r as JsonObject).value as string[])] }));
  // A resolver sees the strings of one TXT record concatenated.
  return { p: out, values: recs.map((r) => ((r as JsonObject).value as string[]).join('')) };
}

export function registerDnsZones(routes: ArmRoutes): void {
  const zone = `${RG}/providers/Microsoft\\.Network/dnsZones/([^/]+)`;
  const set = `${zone}/(A|CNAME|TXT)/([^/]+)`;

  routes.on('PUT', zone, ZONE_TYPE, (a) => {
    const [rgName, name] = [a.m[0]!, a.m[1]!];
    if (!ZONE_RE.test(name)) throw armError(400, 'BadRequest', `The zone name '${name}' is invalid: it must be a valid domain name with at least two labels.`);
    const rg = rgOf(a, rgName, { write: true });
    const id = childId(rg, ZONE_TYPE, lc(name));
    a.authorize(`${DENY_TYPE}/write`, id, DENY_TYPE);
    const body = a.body();
    if (lc(body.location) !== 'global') throw armError(400, 'LocationNotAvailableForResourceType', `The provided location '${String(body.location)}' is not available for resource type '${ZONE_TYPE}'. List of available regions for the resource type is 'global'.`);
    const p = isRecord(body.properties) ? body.properties : {};
    if (p.zoneType !== undefined && p.zoneType !== 'Public') throw armError(400, 'BadRequest', "Only zoneType 'Public' is emulated.");
    const existing = a.inv.get(id);
    const z: JsonObject = {
      id, name: lc(name), type: ZONE_TYPE, etag: guid(), location: 'global', tags: tagsOf(body) ?? {}, systemData: systemData(a, existing?.systemData as JsonObject | undefined),
      properties: { maxNumberOfRecordSets: 10000, maxNumberOfRecordsPerRecordSet: null, numberOfRecordSets: 2, nameServers: [...NAME_SERVERS], zoneType: 'Public' },
    };
    a.inv.put(z);
    a.send(existing ? 200 : 201, zoneJson(a, z));
  });
  routes.on('GET', zone, ZONE_TYPE, (a) => a.send(200, zoneJson(a, zoneOf(a, a.m[0]!, a.m[1]!))));
  routes.on('DELETE', zone, ZONE_TYPE, (a) => {
    const rg = rgOf(a, a.m[0]!);
    const id = childId(rg, ZONE_TYPE, lc(a.m[1]!));
    a.authorize(`${DENY_TYPE}/delete`, id, DENY_TYPE);
    const z = a.inv.get(id);
    if (!z) return a.send(204);
    dnsZoneRemoved(a, z);
    a.inv.remove(id);
    a.send(200);
  });
  routes.on('GET', `${RG}/providers/Microsoft\\.Network/dnsZones`, ZONE_TYPE, (a) => {
    const rg = rgOf(a, a.m[0]!);
    a.send(200, { value: a.inv.below(String(rg.id)).filter((r) => r.type === ZONE_TYPE).map((z) => zoneJson(a, z)) });
  });
  routes.on('GET', `${SUB}/providers/Microsoft\\.Network/dnsZones`, ZONE_TYPE, (a) => {
    a.send(200, { value: [...a.inv.resources.values()].filter((r) => r.type === ZONE_TYPE).map((z) => zoneJson(a, z)) });
  });

  routes.on('GET', `${zone}/(?:recordsets|all)`, `${ZONE_TYPE}/recordsets`, (a) => {
    const z = zoneOf(a, a.m[0]!, a.m[1]!);
    a.send(200, { value: [...apexSets(z), ...recordSets(a, z)] });
  });
  routes.on('GET', `${zone}/(A|CNAME|TXT)`, `${ZONE_TYPE}/recordsets`, (a) => {
    const z = zoneOf(a, a.m[0]!, a.m[1]!);
    a.send(200, { value: recordSets(a, z).filter((r) => lc(r.type) === lc(`${ZONE_TYPE}/${a.m[2]}`)) });
  });

  routes.on('PUT', set, `${ZONE_TYPE}/recordsets`, (a) => {
    const z = zoneOf(a, a.m[0]!, a.m[1]!);
    const type = a.m[2]!.toUpperCase() as RecordType;
    const rel = lc(a.m[3]!);
    const id = `${String(z.id)}/${type}/${rel}`;
    a.authorize(`${DENY_TYPE}/${type}/write`, id, DENY_TYPE);
    const { p, values } = recordProps(type, rel, a.body());
    const fqdn = fqdnOf(rel, String(z.name));
    if (type === 'CNAME' && (['A', 'TXT'] as const).some((t) => a.inv.get(`${String(z.id)}/${t}/${rel}`))) throw armError(409, 'Conflict', `The CNAME record set '${rel}' conflicts with an existing record set of another type at the same name.`);
    if (type !== 'CNAME' && a.inv.get(`${String(z.id)}/CNAME/${rel}`)) throw armError(409, 'Conflict', `The ${type} record set '${rel}' conflicts with an existing CNAME record set at the same name.`);
    const existing = a.inv.get(id);
    const rs: JsonObject = { id, name: rel, type: `${ZONE_TYPE}/${type}`, etag: guid(), properties: { ...p, fqdn: `${fqdn}.`, provisioningState: 'Succeeded', targetResource: {} } };
    a.inv.put(rs);
    a.env.dns.set(fqdn, type, values);
    a.send(existing ? 200 : 201, rs);
  });
  routes.on('GET', set, `${ZONE_TYPE}/recordsets`, (a) => {
    const z = zoneOf(a, a.m[0]!, a.m[1]!);
    const rs = a.inv.get(`${String(z.id)}/${a.m[2]!.toUpperCase()}/${lc(a.m[3]!)}`);
    if (!rs) throw armError(404, 'NotFound', `The resource record '${a.m[3]}' does not exist in resource group '${a.m[0]}' of subscription '${a.sub}'.`);
    a.send(200, rs);
  });
  routes.on('DELETE', set, `${ZONE_TYPE}/recordsets`, (a) => {
    const z = zoneOf(a, a.m[0]!, a.m[1]!);
    const type = a.m[2]!.toUpperCase() as RecordType;
    const id = `${String(z.id)}/${type}/${lc(a.m[3]!)}`;
    a.authorize(`${DENY_TYPE}/${type}/delete`, id, DENY_TYPE);
    if (!a.inv.get(id)) return a.send(204);
    a.inv.remove(id);
    a.env.dns.delete(fqdnOf(lc(a.m[3]!), String(z.name)), type);
    a.send(200);
  });
}
