// Azure Resource Manager error envelope and the errors ARM answers with, as Azure words them.

export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
}

/** Thrown by ARM handlers; the ARM dispatcher turns it into `{"error":{"code","message",...}}`. */
export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ArmErrorDetail[] | undefined;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, o: { details?: ArmErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = o.details;
    this.headers = o.headers ?? {};
  }

  body(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const armError = (status: number, code: string, message: string, details?: ArmErrorDetail[]): ArmError => new ArmError(status, code, message, details ? { details } : {});

export const rgNotFound = (rg: string): ArmError => armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);

export const resourceNotFound = (type: string, name: string, rg: string): ArmError =>
  armError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);

export const locationRequired = (): ArmError => armError(400, 'LocationRequired', 'The location property is required for this definition.');

export const invalidContent = (why: string): ArmError => armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${why}'.`);

export const invalidName = (type: string, name: string, rule: string): ArmError =>
  armError(400, 'InvalidResourceName', `The resource name '${name}' is invalid for resource type '${type}'. ${rule}`);

export function missingRegistration(ns: string): ArmError {
  const message = `The subscription is not registered to use namespace '${ns}'. See https://aka.ms/rps-not-found for how to register subscriptions.`;
  return armError(409, 'MissingSubscriptionRegistration', message, [{ code: 'MissingSubscriptionRegistration', target: ns, message }]);
}

export const principalNotFound = (principalId: string, tenantId: string): ArmError =>
  armError(
    400, 'PrincipalNotFound',
    `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
  );

export function authorizationFailed(client: string, oid: string, action: string, scope: string): ArmError {
  return armError(
    403, 'AuthorizationFailed',
    `The client '${client}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
