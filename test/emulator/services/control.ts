// Control API under /_emulator/ for subprocess tests and foreign tools (never logged, never faulted).
import { type Ctx, GUID_RE, isRecord, jsonBody, sendJson } from '../core/http.ts';
import { parseUserPatch } from '../core/directory.ts';
import type { FaultRegistry } from '../core/faults.ts';
import type { Router } from '../core/router.ts';
import type { EmulatorState, MintOptions, RequestLogEntry } from '../types.ts';
import { mintUserToken, type TokenEnv } from './entra/issue.ts';
import { AadError, sendAadError } from './entra/errors.ts';
import { checkAssignment } from './entra/userGrant.ts';
import { applyConfig, configSnapshot, type SwitchEnv } from './switches.ts';

export interface ControlEnv {
  tokens: TokenEnv;
  faults: FaultRegistry;
  log: RequestLogEntry[];
  /** The same connection details main.ts prints. */
  info(): Record<string, unknown>;
  /** Entra, ARM inventory and Graph directory (GET /_emulator/state). */
  state(): EmulatorState;
  switches: SwitchEnv;
}

const bad = (ctx: Ctx, message: string, status = 400): void => sendJson(ctx, status, { error: { code: status === 404 ? 'NotFound' : 'BadRequest', message } });

/** Parse the JSON body as an object, or answer 400 and return undefined. */
function objectBody(ctx: Ctx, allowEmpty = false): Record<string, unknown> | undefined {
  if (allowEmpty && ctx.rawBody.length === 0) return {};
  const r = jsonBody(ctx);
  if (!r.ok) return void bad(ctx, r.reason);
  if (!isRecord(r.value)) return void bad(ctx, 'The body must be a JSON object.');
  return r.value;
}

const MINT_KEYS = new Set(['user', 'ver', 'aud', 'scope', 'iss', 'tid', 'scp', 'roles', 'exp', 'nbf', 'iat', 'oid', 'azp', 'kid', 'alg', 'secret', 'signWith', 'header', 'extraClaims']);

/** Validate untrusted MintOptions (JSON). Throws TypeError. */
export function parseMintOptions(v: Record<string, unknown>): MintOptions {
  for (const k of Object.keys(v)) if (!MINT_KEYS.has(k)) throw new TypeError(`unknown mint option '${k}'`);
  const str = (k: string): void => {
    if (v[k] !== undefined && typeof v[k] !== 'string') throw new TypeError(`${k} must be a string`);
  };
  ['aud', 'scope', 'iss', 'tid', 'azp', 'kid', 'secret'].forEach(str);
  for (const k of ['scp', 'oid']) if (v[k] !== undefined && v[k] !== null && typeof v[k] !== 'string') throw new TypeError(`${k} must be a string or null`);
  for (const k of ['exp', 'nbf', 'iat']) if (v[k] !== undefined && !Number.isInteger(v[k])) throw new TypeError(`${k} must be an integer (epoch seconds)`);
  if (v.ver !== undefined && v.ver !== '1.0' && v.ver !== '2.0') throw new TypeError("ver must be '1.0' or '2.0'");
  if (v.alg !== undefined && !['RS256', 'RS384', 'HS256', 'none'].includes(v.alg as string)) throw new TypeError('alg must be RS256, RS384, HS256 or none');
  if (v.signWith !== undefined && v.signWith !== 'current' && v.signWith !== 'unknown') throw new TypeError("signWith must be 'current' or 'unknown'");
  if (v.roles !== undefined && (!Array.isArray(v.roles) || v.roles.some((r) => typeof r !== 'string'))) throw new TypeError('roles must be an array of strings');
  for (const k of ['header', 'extraClaims']) if (v[k] !== undefined && !isRecord(v[k])) throw new TypeError(`${k} must be an object`);
  const out = { ...v } as MintOptions & { user?: unknown };
  if (v.user !== undefined) {
    const oid = typeof v.user === 'string' ? v.user : isRecord(v.user) && typeof v.user.oid === 'string' ? v.user.oid : undefined;
    if (oid === undefined || !GUID_RE.test(oid)) throw new TypeError('user must be an oid (GUID) or an object with an oid');
    out.user = oid;
  }
  return out;
}

export function registerControl(router: Router, env: ControlEnv): void {
  const { tokens, faults, log } = env;
  const { dir, keys } = tokens;
  const P = '^/_emulator';

  router.get(new RegExp(`${P}/info$`), (ctx) => sendJson(ctx, 200, env.info()));

  router.post(new RegExp(`${P}/mint$`), async (ctx) => {
    const body = objectBody(ctx, true);
    if (!body) return;
    let opts: MintOptions;
    try {
      opts = parseMintOptions(body);
    } catch (e) {
      return bad(ctx, (e as Error).message);
    }
    if (typeof opts.user === 'string' && !dir.getUser(opts.user)) return bad(ctx, `user ${opts.user} not found`, 404);
    // ?signIn=1: the token as Entra issues it to a client signing the user in (the test stand-in for the Azure CLI),
    // so an app that requires assignment refuses an unassigned user with AADSTS50105, as Entra does for a resource
    // API: "users ... need to be granted an app role assignment for this service principal before users can sign in
    // or apps can get tokens" (servicePrincipal.appRoleAssignmentRequired, learn.microsoft.com/graph/api/resources/serviceprincipal).
    const app = ctx.query.get('signIn') === '1' && typeof opts.aud === 'string' ? dir.findApp(opts.aud) : undefined;
    if (app) {
      const user = typeof opts.user === 'string' ? dir.getUser(opts.user)! : typeof opts.user === 'object' ? opts.user : dir.defaultUser;
      try {
        checkAssignment(tokens, app, user);
      } catch (e) {
        if (e instanceof AadError) return sendAadError(ctx, dir.url, e);
        throw e;
      }
    }
    try {
      sendJson(ctx, 200, { access_token: await mintUserToken(tokens, opts) });
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      bad(ctx, e.message);
    }
  });

  const faultsPath = new RegExp(`${P}/faults$`);
  router.get(faultsPath, (ctx) => sendJson(ctx, 200, faults.list()));
  router.post(faultsPath, (ctx) => {
    const body = objectBody(ctx);
    if (!body) return;
    try {
      sendJson(ctx, 201, { id: faults.add(body as never) });
    } catch (e) {
      bad(ctx, (e as Error).message);
    }
  });
  router.on('DELETE', faultsPath, (ctx) => {
    faults.clear();
    sendJson(ctx, 204, undefined);
  });
  router.on('DELETE', new RegExp(`${P}/faults/([^/]+)$`), (ctx) => {
    if (faults.remove(ctx.params[0]!)) sendJson(ctx, 204, undefined);
    else bad(ctx, `fault ${ctx.params[0]} not found`, 404);
  });

  router.post(new RegExp(`${P}/users$`), (ctx) => {
    const body = objectBody(ctx, true);
    if (!body) return;
    try {
      sendJson(ctx, 201, dir.addUser(parseUserPatch(body, true)));
    } catch (e) {
      bad(ctx, (e as Error).message);
    }
  });
  const userPath = new RegExp(`${P}/users/([^/]+)$`);
  router.get(userPath, (ctx) => {
    const u = dir.getUser(ctx.params[0]!);
    if (u) sendJson(ctx, 200, u);
    else bad(ctx, `user ${ctx.params[0]} not found`, 404);
  });
  router.on('PATCH', userPath, (ctx) => {
    const body = objectBody(ctx);
    if (!body) return;
    if (!dir.getUser(ctx.params[0]!)) return bad(ctx, `user ${ctx.params[0]} not found`, 404);
    try {
      sendJson(ctx, 200, dir.setUser(ctx.params[0]!, parseUserPatch(body, false)));
    } catch (e) {
      bad(ctx, (e as Error).message);
    }
  });

  router.post(new RegExp(`${P}/consent$`), (ctx) => {
    const body = objectBody(ctx);
    if (!body) return;
    if ((body.app !== 'graph' && body.app !== 'devops') || typeof body.granted !== 'boolean' || Object.keys(body).length !== 2) {
      return bad(ctx, "body must be {app: 'graph'|'devops', granted: boolean}");
    }
    dir.setConsent(body.app, body.granted);
    sendJson(ctx, 200, { app: body.app, granted: body.granted });
  });

  router.post(new RegExp(`${P}/keys/rotate$`), (ctx) => {
    keys.rotate();
    sendJson(ctx, 200, { current: keys.current.kid, published: keys.kids() });
  });
  router.post(new RegExp(`${P}/keys/retire$`), (ctx) => {
    keys.retire();
    sendJson(ctx, 200, { current: keys.current.kid, published: keys.kids() });
  });

  const requestsPath = new RegExp(`${P}/requests$`);
  router.get(requestsPath, (ctx) => sendJson(ctx, 200, log));
  router.on('DELETE', requestsPath, (ctx) => {
    log.length = 0;
    sendJson(ctx, 204, undefined);
  });

  router.get(new RegExp(`${P}/state$`), (ctx) => sendJson(ctx, 200, env.state()));

  router.post(new RegExp(`${P}/devicecode/([^/]+)/approve$`), (ctx) => {
    const body = objectBody(ctx, true);
    if (!body) return;
    if (body.user !== undefined && (typeof body.user !== 'string' || !GUID_RE.test(body.user))) return bad(ctx, 'user must be an oid (GUID)');
    try {
      env.switches.deploy.deviceCode.approve(ctx.params[0]!, body.user as string | undefined);
    } catch (e) {
      return bad(ctx, (e as Error).message, 404);
    }
    sendJson(ctx, 200, { userCode: ctx.params[0]!.toUpperCase(), user: (body.user as string | undefined) ?? dir.defaultUser.oid });
  });

  const configPath = new RegExp(`${P}/config$`);
  router.get(configPath, (ctx) => sendJson(ctx, 200, configSnapshot(env.switches)));
  router.post(configPath, (ctx) => {
    const body = objectBody(ctx);
    if (!body) return;
    try {
      applyConfig(env.switches, body);
    } catch (e) {
      return bad(ctx, (e as Error).message);
    }
    sendJson(ctx, 200, configSnapshot(env.switches));
  });
}
