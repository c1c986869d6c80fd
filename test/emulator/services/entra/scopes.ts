// The v2 `scope` parameter: one resource, named scopes or `/.default`, OIDC scopes ignored.
import { GRAPH_RESOURCE, type Directory, type Resource } from '../../core/directory.ts';
import { aad, invalidScope } from './errors.ts';

export const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export interface ScopeRequest {
  resource: Resource;
  /** The resource identifier as the client wrote it (becomes `aud` of v1 tokens). */
  identifier: string;
  /** Short scope names in the resource's own spelling, or ['.default']. */
  names: string[];
  isDefault: boolean;
}

function split(scope: string): { identifier: string; name: string } {
  const i = scope.lastIndexOf('/');
  // A bare scope such as "User.Read" names a Microsoft Graph permission, as in Entra.
  if (i === -1) return { identifier: GRAPH_RESOURCE, name: scope };
  return { identifier: scope.slice(0, i), name: scope.slice(i + 1) };
}

/** Parse and validate `scope` for a grant. Throws AadError. */
export function parseScope(dir: Directory, scopeParam: string, grant: 'obo' | 'client_credentials'): ScopeRequest {
  const all = scopeParam.split(/\s+/).filter(Boolean);
  const wanted = grant === 'obo' ? all.filter((s) => !OIDC_SCOPES.has(s.toLowerCase())) : all;
  if (wanted.length === 0) throw invalidScope(scopeParam, 'No resource scope was requested.');
  const parts = wanted.map(split);
  let resource: Resource | undefined;
  for (const p of parts) {
    const r = dir.resolveResource(p.identifier);
    if (!r) {
      throw aad(400, 'invalid_resource', 500011, `The resource principal named ${p.identifier} was not found in the tenant named ${dir.tenantDomain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`);
    }
    if (resource && r !== resource && r.appId !== resource.appId) {
      throw aad(400, 'invalid_scope', 28000, `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scopeParam} is not valid.`);
    }
    resource ??= r;
  }
  const names = parts.map((p) => p.name);
  const isDefault = names.includes('.default');
  if (isDefault && names.length > 1) throw invalidScope(scopeParam, ".default scope can't be combined with resource-specific scopes.");
  if (grant === 'client_credentials') {
    if (names.length !== 1) throw invalidScope(scopeParam, 'Client credential flows request exactly one scope.');
    if (!isDefault) {
      throw aad(400, 'invalid_scope', 1002012, `The provided value for scope ${scopeParam} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
  }
  const canonical: string[] = [];
  if (!isDefault) {
    for (const n of names) {
      const known = resource!.scopes.find((s) => s.toLowerCase() === n.toLowerCase());
      if (!known || n === '') throw invalidScope(scopeParam, `The scope '${n}' does not exist on the resource '${resource!.appId}'.`);
      if (!canonical.includes(known)) canonical.push(known);
    }
  }
  return { resource: resource!, identifier: parts[0]!.identifier, names: isDefault ? ['.default'] : canonical, isDefault };
}

/**
 * RFC 8707 `resource` (when sent and not empty) must equal, exactly (case and trailing slash included), one of the
 * identifier URIs of the API that owns the requested scopes; else AADSTS9010010 invalid_target.
 */
export function checkResourceParam(req: ScopeRequest, resource: string | null): void {
  if (resource === null || resource === '') return;
  const uris = req.resource.app ? req.resource.app.identifierUris : req.resource.identifiers.filter((x) => /^[a-z][a-z0-9+.-]*:/i.test(x));
  if (!uris.includes(resource)) throw aad(400, 'invalid_target', 9010010, "The resource parameter provided in the request doesn't match with the requested scopes.");
}
