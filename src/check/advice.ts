/**
 * Advice `mcp-obo test` can make exact because it knows the deployment: who to add to the users
 * group and with which command, and whether a refused client secret is simply too new. Entra takes a
 * while to accept a secret it has just issued ("it does not work right away, despite the cred being
 * visible on the application", 4-18 s observed: microsoftgraph/microsoft-graph-docs#17966), and
 * answers AADSTS7000215 meanwhile, the code of a wrong secret.
 */
import type { Deployment } from '../state/deployment.ts';

/** Retry a refused secret while it is younger than this... */
export const FRESH_SECRET_MS = 5 * 60_000;
/** ...waiting these in turn (about a minute in all). */
export const SECRET_RETRY_WAITS_MS = [5_000, 10_000, 15_000, 15_000, 15_000];

/** When the deployment's local client secret was made (ms since the epoch), if the file says. */
export function secretMadeAt(d: Deployment): number | undefined {
  const t = Date.parse(d.resources.clientSecret?.startDateTime ?? '');
  return Number.isFinite(t) ? t : undefined;
}

export function isSecretRefusal(text: string): boolean {
  return /AADSTS7000215/.test(text);
}

export function replicatingAdvice(ageMs: number): string {
  return (
    `The server's client secret was made ${Math.round(ageMs / 1000)} s ago and Entra does not accept it yet (AADSTS7000215): a new secret takes a few minutes to work everywhere. ` +
    'Retry `mcp-obo test` in a minute; if it still fails 10 minutes after `provision`, rerun `mcp-obo provision` (it issues a new one) and restart `mcp-obo serve`.'
  );
}

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
