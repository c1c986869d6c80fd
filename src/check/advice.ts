/**
 * Advice `mcp-obo test` can make exact because it knows the deployment: who to add to the users
 * group, by the group's name, and with which command.
 */
import type { Deployment } from '../state/deployment.ts';

/** The user name in a token (for `users add`), when it carries one. */
export function signInName(token: string | undefined): string | undefined {
  try {
    const c = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return [c.upn, c.preferred_username, c.unique_name].find((v): v is string => typeof v === 'string' && v.includes('@'));
  } catch {
    return undefined;
  }
}

/** AADSTS50105: not in the users group, said with the group's name and the command that fixes it. */
export function assignmentAdvice(d: Deployment, name: string, who: string | undefined): string {
  const group = d.resources.group?.displayName ?? 'the users group';
  return `${who ?? 'You are'}${who ? ' is' : ''} not a member of "${group}", the users group of ${name}: \`mcp-obo users add ${who ?? '<your sign-in name>'} --deployment ${name}\` adds ${who ? 'them' : 'you'} (run by an owner of the group or an administrator).`;
}
