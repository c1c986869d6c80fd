// Container app revisions and their replicas (read), and revision restart (re-pull, new replica).
import type { JsonObject } from '../../types.ts';
import { getResource } from './common.ts';
import { APP_TYPE } from './containerAppModel.ts';
import { REVISION_TYPE } from './containerApps.ts';
import { armError, resourceNotFound } from './errors.ts';
import { type ACtx, type ArmRoutes, RG } from './index.ts';

const props = (r: JsonObject): JsonObject => r.properties as JsonObject;

function revisionOf(a: ACtx): { app: JsonObject; rev: JsonObject } {
  const app = getResource(a, a.m[0]!, APP_TYPE, a.m[1]!);
  const rev = a.inv.get(`${String(app.id)}/revisions/${a.m[2]!}`);
  if (!rev) throw resourceNotFound(REVISION_TYPE, `${String(app.name)}/${a.m[2]!}`, a.m[0]!);
  return { app, rev };
}

const rgName = (app: JsonObject): string => String(app.id).split('/')[4]!;

export function registerRevisions(routes: ArmRoutes): void {
  const app = `${RG}/providers/Microsoft\\.App/containerApps/([^/]+)`;
  routes.on('GET', `${app}/revisions`, REVISION_TYPE, (a) => {
    const res = getResource(a, a.m[0]!, APP_TYPE, a.m[1]!);
    a.send(200, { value: a.inv.below(String(res.id)).filter((r) => r.type === REVISION_TYPE) });
  });
  routes.on('GET', `${app}/revisions/([^/]+)`, REVISION_TYPE, (a) => a.send(200, revisionOf(a).rev));
  routes.on('GET', `${app}/revisions/([^/]+)/replicas`, `${REVISION_TYPE}/replicas`, (a) => {
    const { app: res, rev } = revisionOf(a);
    a.send(200, { value: a.env.aca.replicasJson(String(res.id), rev, a.sub, rgName(res)) });
  });
  routes.on('GET', `${app}/revisions/([^/]+)/replicas/([^/]+)`, `${REVISION_TYPE}/replicas`, (a) => {
    const { app: res, rev } = revisionOf(a);
    const one = a.env.aca.replicasJson(String(res.id), rev, a.sub, rgName(res)).find((r) => String(r.name).toLowerCase() === a.m[3]!.toLowerCase());
    if (!one) throw resourceNotFound(`${REVISION_TYPE}/replicas`, `${String(res.name)}/${String(rev.name)}/${a.m[3]!}`, a.m[0]!);
    a.send(200, one);
  });
  routes.on('POST', `${app}/revisions/([^/]+)/restart`, `${REVISION_TYPE}/restart`, async (a) => {
    const { app: res, rev } = revisionOf(a);
    a.authorize(`${REVISION_TYPE}/restart/action`, String(rev.id), APP_TYPE);
    const rt = a.env.aca.app(String(res.id));
    if (!rt || (props(rev).active !== true && props(res).latestRevisionName !== rev.name)) {
      throw armError(400, 'ContainerAppRevisionNotActive', `Revision '${String(rev.name)}' is not active and cannot be restarted.`);
    }
    await rt.replicas.get(String(rev.name).toLowerCase())?.stop();
    void a.env.aca.provision(rt, res, rev, undefined, 0);
    a.send(200);
  });
}
