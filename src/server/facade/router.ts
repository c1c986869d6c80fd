/**
 * The facade's HTTP surface: RFC 8414 metadata (and the OIDC discovery alias clients probe), RFC
 * 7591 registration, authorize and token (the MCP SDK's handlers around our provider), and our
 * consent form and Entra callback.
 *
 * The SDK's per-IP rate limits are off: behind Container Apps every caller shares the ingress's
 * address unless the proxy is trusted, and a company's users often share one egress address, so
 * they would throttle everyone together. Nothing here is worth brute-forcing: every code, client
 * id and refresh token is sealed, and Entra is called only with values that unsealed.
 */
import express, { type Router } from 'express';
import { authorizationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/authorize.js';
import { tokenHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/token.js';
import { clientRegistrationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/register.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Facade } from './provider.ts';
import { GRANT_TYPES } from './clients.ts';
import { renderError } from './page.ts';
import { sameOriginOnly } from '../origin.ts';

/** RFC 8414 authorization server metadata for the facade at `issuer` (the server's public URL). */
export function authorizationServerMetadata(issuer: string, scope: string): OAuthMetadata {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    registration_endpoint: `${issuer}/oauth/register`,
    scopes_supported: [scope],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: GRANT_TYPES,
    token_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
}

/** Where clients look for the metadata of an issuer with an optional path (RFC 8414 §3, OIDC discovery). */
export function metadataPaths(issuer: string): string[] {
  const path = new URL(issuer).pathname.replace(/\/+$/, '');
  const paths = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
  return [...new Set([...paths, ...paths.map((p) => `${p}${path}`), `${path}/.well-known/openid-configuration`])];
}

export function facadeRouter(facade: Facade): Router {
  const router = express.Router();
  const metadata = authorizationServerMetadata(facade.settings.issuer, facade.settings.scope);
  for (const path of metadataPaths(facade.settings.issuer)) router.use(path, metadataHandler(metadata));

  router.use('/oauth/register', clientRegistrationHandler({ clientsStore: facade.clientsStore as Required<Facade['clientsStore']>, rateLimit: false, clientIdGeneration: false }));
  router.use('/oauth/authorize', authorizationHandler({ provider: facade, rateLimit: false }));
  router.use('/oauth/token', tokenHandler({ provider: facade, rateLimit: false }));

  router.post('/oauth/consent', sameOriginOnly(new URL(facade.settings.issuer).origin), express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 10 }), async (req, res, next) => {
    try {
      await facade.decide(req, res);
    } catch (err) {
      if (err instanceof OAuthError) renderError(res, 400, 'This request cannot continue', err.message);
      else next(err);
    }
  });
  router.get('/oauth/callback', async (req, res, next) => {
    try {
      const failed = await facade.callback(req, res);
      if (failed) renderError(res, 400, 'Sign-in could not be completed', failed.error);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
