// The container registry data plane at each registry's own host (`<name>.azurecr.io`, reached through the
// emulator's CONNECT proxy): the Docker v2 challenge, the AAD token exchange `az acr login` uses (Entra token ->
// registry refresh token), and a control route the fake docker pushes through.
//
// The exchange accepts a token whose audience is the registry service's own (`https://containerregistry.azure.net`
// in the public cloud) and, only while the registry's azureADAuthenticationAsArmPolicy is enabled (the default),
// an ARM-audience token too; anything else is refused. Sources: MicrosoftDocs/azure-management-docs
// articles/container-registry/container-registry-disable-authentication-as-arm.md ("When disabled: the registry
// accepts only ACR-scoped Microsoft Entra authentication and rejects ARM-scoped authentication"), and for the
// sovereign audiences (containerregistry.azure.us / .azure.cn) ratify-project/ratify
// pkg/common/oras/authprovider/azure/const.go.
import { randomBytes } from 'node:crypto';
import { type Ctx, formBody, header, jsonBody, sendJson } from '../core/http.ts';
import type { Router } from '../core/router.ts';
import type { ArmInventory } from '../core/inventory.ts';
import type { JsonObject } from '../types.ts';
import type { TokenEnv } from './entra/issue.ts';
import { verifyBearer } from './entra/verify.ts';

export interface RegistryDataPlaneEnv {
  tokens: TokenEnv;
  inv: ArmInventory;
  /** Puts image into the registry with this login server; false when there is none. */
  push(loginServer: string, image: string): boolean;
}

/** Per login-server suffix: the registry service's audience, and the ARM audiences its policy may allow. */
const CLOUDS: Record<string, { acr: string; arm: string[] }> = {
  'azurecr.io': { acr: 'https://containerregistry.azure.net', arm: ['https://management.azure.com', 'https://management.core.windows.net'] },
  'azurecr.us': { acr: 'https://containerregistry.azure.us', arm: ['https://management.usgovcloudapi.net', 'https://management.core.usgovcloudapi.net'] },
  'azurecr.cn': { acr: 'https://containerregistry.azure.cn', arm: ['https://management.chinacloudapi.cn', 'https://management.core.chinacloudapi.cn'] },
};

function acrError(ctx: Ctx, status: number, code: string, message: string): void {
  sendJson(ctx, status, { errors: [{ code, message, detail: null }] });
}

export function registerRegistryDataPlane(router: Router, env: RegistryDataPlaneEnv): void {
  /** refresh token -> the login server (service) it was issued for. */
  const refreshTokens = new Map<string, string>();
  /** The registry this request's host names: each registry is its own host. */
  const registryAt = (ctx: Ctx): JsonObject | undefined => {
    const host = (header(ctx, 'host') ?? '').replace(/:443$/, '').toLowerCase();
    return env.inv.snapshot().find((r) => r.type === 'Microsoft.ContainerRegistry/registries' && String((r.properties as JsonObject)?.loginServer).toLowerCase() === host);
  };

  router.get(/^\/v2\/?$/, (ctx) => {
    const reg = registryAt(ctx);
    if (!reg) return acrError(ctx, 404, 'NAME_UNKNOWN', 'no registry at this host');
    const host = String((reg.properties as JsonObject).loginServer);
    sendJson(ctx, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required, visit https://aka.ms/acr/authorization for more information.', detail: null }] }, {
      'www-authenticate': `Bearer realm="https://${host}/oauth2/token",service="${host}"`,
    });
  });

  router.post(/^\/oauth2\/exchange$/, async (ctx) => {
    const reg = registryAt(ctx);
    if (!reg) return acrError(ctx, 404, 'NAME_UNKNOWN', 'no registry at this host');
    const props = reg.properties as JsonObject;
    const loginServer = String(props.loginServer);
    const form = formBody(ctx);
    if (!form) return acrError(ctx, 400, 'BAD_REQUEST', 'Content-Type must be application/x-www-form-urlencoded');
    if (form.get('grant_type') !== 'access_token') return acrError(ctx, 400, 'UNSUPPORTED_GRANT_TYPE', `grant_type ${form.get('grant_type')} is not supported`);
    if (form.get('service') !== loginServer) return acrError(ctx, 400, 'BAD_REQUEST', `service ${form.get('service')} is not this registry (${loginServer})`);
    if (form.get('tenant') !== env.tokens.dir.tenantId) return acrError(ctx, 401, 'UNAUTHORIZED', 'the tenant does not match the access token');
    const cloud = CLOUDS[loginServer.slice(loginServer.indexOf('.') + 1)] ?? CLOUDS['azurecr.io']!;
    const armAllowed = ((props.policies as JsonObject | undefined)?.azureADAuthenticationAsArmPolicy as JsonObject | undefined)?.status !== 'disabled';
    const check = await verifyBearer(env.tokens, form.get('access_token') ?? undefined, [cloud.acr, ...(armAllowed ? cloud.arm : [])]);
    if (!check.ok) {
      const why = check.kind === 'audience' ? `the token's audience must be ${cloud.acr}${armAllowed ? ' or Azure Resource Manager' : ' (this registry does not accept ARM-audience tokens: azureADAuthenticationAsArmPolicy is disabled)'}` : check.reason;
      return acrError(ctx, 401, 'UNAUTHORIZED', `invalid access token: ${why}`);
    }
    const refreshToken = randomBytes(32).toString('base64url');
    refreshTokens.set(refreshToken, loginServer);
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
