// Graph federatedIdentityCredentials of an application (honoured by the token endpoint's client-assertion check).
import { guid, isRecord } from '../../core/http.ts';
import type { AppRec } from '../../core/graphStore.ts';
import type { JsonObject } from '../../types.ts';
import { findApp } from './applications.ts';
import { requireManage } from './authz.ts';
import { badRequest, GraphError, invalidValue, notFound } from './errors.ts';
import { checkProps, entity, type GCtx, type GraphRoutes, KEY, PERM } from './index.ts';
import { queryCollection, selectProps } from './odata.ts';

const MAX_FICS = 20;
const PROPS = ['name', 'issuer', 'subject', 'audiences', 'description'];
const FIC_KEY = `(?:/([^/()]+)|\\(name='((?:[^']|'')*)'\\))`;
const conflict = (message: string): GraphError => new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', message);

function validate(rec: AppRec, fic: JsonObject, selfId?: string): void {
  if (typeof fic.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/.test(fic.name)) throw invalidValue('name', 'FederatedIdentityCredential');
  if (typeof fic.issuer !== 'string' || fic.issuer.length > 600 || !/^https:\/\/[^\s]+$/i.test(fic.issuer)) throw invalidValue('issuer', 'FederatedIdentityCredential');
  if (typeof fic.subject !== 'string' || fic.subject === '' || fic.subject.length > 600) throw invalidValue('subject', 'FederatedIdentityCredential');
  const aud = fic.audiences;
  if (!Array.isArray(aud) || aud.length !== 1 || typeof aud[0] !== 'string' || aud[0] === '') {
    throw badRequest("Invalid value specified for property 'audiences' of resource 'FederatedIdentityCredential'. Exactly one audience is required.");
  }
  if (fic.description !== undefined && fic.description !== null && typeof fic.description !== 'string') throw invalidValue('description', 'FederatedIdentityCredential');
  for (const other of rec.fics) {
    if (other.id === selfId) continue;
    if (String(other.name).toLowerCase() === fic.name.toLowerCase()) throw conflict(`FederatedIdentityCredential with name ${fic.name} already exists.`);
    if (other.issuer === fic.issuer && other.subject === fic.subject) throw conflict('FederatedIdentityCredential with the same issuer and subject already exists for this application.');
  }
}

function create(g: GCtx, rec: AppRec, body: JsonObject): JsonObject {
  checkProps(body, PROPS, 'federatedIdentityCredential');
  if (rec.fics.length >= MAX_FICS) throw badRequest(`Maximum number of federated identity credentials (${MAX_FICS}) per application reached.`);
  const fic: JsonObject = { id: guid(), name: body.name, issuer: body.issuer, subject: body.subject, description: body.description ?? null, audiences: body.audiences };
  validate(rec, fic);
  rec.fics.push(fic);
  return fic;
}

/** The credential named by FIC_KEY groups 3 (id) / 4 (name). */
function find(g: GCtx, rec: AppRec): JsonObject | undefined {
  const [id, rawName] = [g.m[3], g.m[4]];
  if (id) return rec.fics.find((f) => String(f.id).toLowerCase() === id.toLowerCase() || String(f.name).toLowerCase() === id.toLowerCase());
  const name = (rawName ?? '').replace(/''/g, "'").toLowerCase();
  return rec.fics.find((f) => String(f.name).toLowerCase() === name);
}

export function registerFederated(routes: GraphRoutes): void {
  const list = `/applications${KEY}/federatedIdentityCredentials`;
  const ctxOf = (g: GCtx, rec: AppRec): string => `applications('${String(rec.obj.id)}')/federatedIdentityCredentials`;

  routes.on('GET', list, undefined, (g) => {
    const rec = findApp(g)!;
    g.send(200, queryCollection(g.ctx, `${g.base}${list}`, `${g.base}/$metadata#${ctxOf(g, rec)}`, rec.fics, { entity: 'federatedIdentityCredential', filterable: ['name', 'issuer', 'subject', 'id'] }));
  });

  routes.on('POST', list, PERM.app, (g) => {
    const rec = findApp(g)!;
    requireManage(g, rec, 'application');
    g.send(201, entity(g, `${ctxOf(g, rec)}/$entity`, create(g, rec, g.body())));
  });

  routes.on('GET', `${list}${FIC_KEY}`, undefined, (g) => {
    const rec = findApp(g)!;
    const fic = find(g, rec);
    if (!fic) throw notFound(g.m[3] || g.m[4]!);
    g.send(200, entity(g, `${ctxOf(g, rec)}/$entity`, selectProps(fic, g.ctx.query.get('$select'))));
  });

  // PATCH by name creates the credential when it does not exist (upsert), as Graph does.
  routes.on('PATCH', `${list}${FIC_KEY}`, PERM.app, (g) => {
    const rec = findApp(g)!;
    requireManage(g, rec, 'application');
    const body = g.body();
    const fic = find(g, rec);
    if (!fic) {
      if (!g.m[4]) throw notFound(g.m[3]!);
      return g.send(201, entity(g, `${ctxOf(g, rec)}/$entity`, create(g, rec, { ...body, name: g.m[4].replace(/''/g, "'") })));
    }
    checkProps(body, PROPS, 'federatedIdentityCredential');
    if (body.name !== undefined && body.name !== fic.name) throw badRequest("Property 'name' is read-only and cannot be changed.");
    const next = { ...fic, ...body };
    validate(rec, next, String(fic.id));
    Object.assign(fic, next);
    g.send(204);
  });

  routes.on('DELETE', `${list}${FIC_KEY}`, PERM.app, (g) => {
    const rec = findApp(g)!;
    requireManage(g, rec, 'application');
    const fic = find(g, rec);
    if (!fic || !isRecord(fic)) throw notFound(g.m[3] || g.m[4]!);
    rec.fics.splice(rec.fics.indexOf(fic), 1);
    g.send(204);
  });
}
