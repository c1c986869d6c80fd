// The container registry data plane, for registries whose login server is the emulator itself
// (`emu.acr.dataPlaneHere(true)`): the Docker v2 challenge, the AAD token exchange `az acr login`
// uses (ARM token -> registry refresh token), and a control route the fake docker pushes through.
import { randomBytes } from 'node:crypto';
import { type Ctx, formBody, jsonBody, sendJson } from '../core/http.ts';
import type { Router } from '../core/router.ts';
import type { ArmInventory } from '../core/inventory.ts';
import type { TokenEnv } from './entra/issue.ts';
import { verifyBearer } from './entra/verify.ts';

export interface RegistryDataPlaneEnv {
  tokens: TokenEnv;
  inv: ArmInventory;
  /** Puts image into the registry with this login server; false when there is none. */
  push(loginServer: string, image: string): boolean;
}

const ARM_AUDIENCES = ['https://management.azure.com', 'https://management.core.windows.net'];

function acrError(ctx: Ctx, status: number, code: string, message: string): void {
  sendJson(ctx, status, { errors: [{ code, message, detail: null }] });
}

export function registerRegistryDataPlane(router: Router, env: RegistryDataPlaneEnv): void {
  /** refresh token -> the login server (service) it was issued for. */
  const refreshTokens = new Map<string, string>();

  router.get(/^\/v2\/?$/, (ctx) => {
    const host = String(ctx.headers.host ?? '');
    sendJson(ctx, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required, visit https://aka.ms/acr/authorization for more information.', detail: null }] }, {
      'www-authenticate': `Bearer realm="https://${host}/oauth2/token",service="${host}"`,
    });
  });

  router.post(/^\/oauth2\/exchange$/, async (ctx) => {
    const form = formBody(ctx);
    if (!form) return acrError(ctx, 400, 'BAD_REQUEST', 'Content-Type must be application/x-www-form-urlencoded');
    if (form.get('grant_type') !== 'access_token') return acrError(ctx, 400, 'UNSUPPORTED_GRANT_TYPE', `grant_type ${form.get('grant_type')} is not supported`);
    const service = form.get('service') ?? '';
    if (!env.inv.snapshot().some((r) => r.type === 'Microsoft.ContainerRegistry/registries' && (r.properties as Record<string, unknown>)?.loginServer === service)) {
      return acrError(ctx, 400, 'BAD_REQUEST', `service ${service} is not a registry here`);
    }
    if (form.get('tenant') !== env.tokens.dir.tenantId) return acrError(ctx, 401, 'UNAUTHORIZED', 'the tenant does not match the access token');
    const check = await verifyBearer(env.tokens, form.get('access_token') ?? undefined, ARM_AUDIENCES);
    if (!check.ok) return acrError(ctx, 401, 'UNAUTHORIZED', `invalid access token: ${check.reason}`);
    const refreshToken = randomBytes(32).toString('base64url');
    refreshTokens.set(refreshToken, service);
    sendJson(ctx, 200, { refresh_token: refreshToken });
  });

  // What `docker push` would upload, reduced to its effect: the image exists in the registry afterwards.
  router.post(/^\/_emulator\/acr\/push$/, (ctx) => {
    const parsed = jsonBody(ctx);
    if (!parsed.ok) return acrError(ctx, 400, 'BAD_REQUEST', parsed.reason);
    const { loginServer, image, refreshToken } = parsed.value as { loginServer?: string; image?: string; refreshToken?: string };
    if (!loginServer || !image || refreshTokens.get(refreshToken ?? '') !== loginServer) return acrError(ctx, 401, 'UNAUTHORIZED', 'authentication required (docker login with the refresh token first)');
    if (!env.push(loginServer, image)) return acrError(ctx, 404, 'NAME_UNKNOWN', `registry ${loginServer} not found`);
    sendJson(ctx, 201, { pushed: `${loginServer}/${image}` });
  });
}
