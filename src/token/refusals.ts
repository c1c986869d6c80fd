/**
 * What it means when Entra refuses a user token for the server's scope, whichever way the user signed
 * in (the Azure CLI, or a device code): the fix, with the command to run. Not "run az login" when the
 * sign-in itself worked and Entra refused the user for the app.
 */
export interface RefusalContext {
  tenantId: string;
  /** The deployment's name (`contoso-dev`), for commands that need it. */
  deployment?: string;
}

export function refusalAdvice(aadsts: string | undefined, c: RefusalContext): string | undefined {
  const flag = c.deployment ? ` --deployment ${c.deployment}` : '';
  switch (aadsts) {
    case '50105':
      return `You are not in the app's users group: \`mcp-obo users add <your sign-in name>${flag}\` adds you (as an owner of the group or an administrator).`;
    case '65001':
      return `Consent is missing: run \`mcp-obo consent${flag}\` (administrator).`;
    case '500011':
      return `The app has no service principal in this tenant yet: run \`mcp-obo provision${flag}\`.`;
    case '50076':
    case '50079':
    case '53003':
      return 'Your organisation requires more for this sign-in (multi-factor authentication or a compliant device, by Conditional Access): complete it in the browser, or sign in from a device that meets the policy.';
    case '50020':
    case '90072':
      return `Your account is not in tenant ${c.tenantId}: sign in with an account of that tenant (a guest must be invited first).`;
    case '70020':
    case '70019':
      return 'The code expired before the sign-in was completed: run the command again and finish the sign-in within 15 minutes.';
    case undefined:
      return undefined;
    default:
      return `Entra's explanation of AADSTS${aadsts}: https://login.microsoftonline.com/error?code=${aadsts}`;
  }
}
