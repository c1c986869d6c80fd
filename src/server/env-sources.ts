/**
 * Where each of the server's settings comes from when both the environment and an env file set it.
 * The environment wins (as for any dotenv file), but never silently: a value it overrides is named,
 * with both sources. The server's identity has its own names (MCP_OBO_TENANT_ID, MCP_OBO_CLIENT_ID,
 * MCP_OBO_CLIENT_SECRET) that come before the AZURE_* ones, so the deployer's AZURE_CLIENT_ID exported
 * for the mcp-obo CLI is reported as unused rather than taken for the server's app.
 */
import { SERVER_NAMES, pick } from './identity-names.ts';

type Env = Readonly<Record<string, string | undefined>>;

const SECRETS = new Set<string>([...SERVER_NAMES.secret, 'MCP_OBO_FACADE_KEY', 'MCP_OBO_FACADE_KEY_PREVIOUS']);
const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
const show = (name: string, v: string) => (SECRETS.has(name) ? '' : ` (${v})`);

/** For the log: which variable, from where, gives the tenant, the client id and the secret. */
export function identitySources(file: Env, filePath: string | undefined, env: Env): Record<'tenant' | 'clientId' | 'secret', string | undefined> {
  const from = (names: readonly string[]) => {
    for (const name of names) {
      if (set(env[name])) return `${name} from the environment`;
      if (set(file[name])) return `${name} from ${filePath}`;
    }
    return undefined;
  };
  return { tenant: from(SERVER_NAMES.tenant), clientId: from(SERVER_NAMES.clientId), secret: from(SERVER_NAMES.secret) };
}

/** Warnings, one per value the environment overrides or shadows, naming both sources. */
export function overrideWarnings(file: Env, filePath: string | undefined, env: Env): string[] {
  if (!filePath) return [];
  const out: string[] = [];
  for (const [name, fileValue] of Object.entries(file)) {
    const envValue = env[name];
    if (!set(envValue) || !set(fileValue) || envValue.trim() === fileValue.trim()) continue;
    const azure = (Object.values(SERVER_NAMES) as readonly (readonly string[])[]).some((names) => names[1] === name);
    out.push(
      `${name} from the environment${show(name, envValue)} overrides ${filePath}${show(name, fileValue)}` +
        (azure
          ? `: the server now runs with the environment's value. If it is the deployer's sign-in for the mcp-obo CLI, start the server without it (\`env -u ${name} mcp-obo serve …\`), or rerun \`mcp-obo provision\`, which writes the server's own ${name.replace('AZURE_', 'MCP_OBO_')} that AZURE_* variables do not override.`
          : '.'),
    );
  }
  for (const [own, azure] of Object.values(SERVER_NAMES)) {
    const used = pick(env, [own]) ?? pick(file, [own]);
    if (set(env[azure]) && !set(env[own]) && set(file[own]) && !set(file[azure]) && env[azure].trim() !== used?.trim()) {
      out.push(`${azure} in the environment${show(azure, env[azure])} is not the server's: it uses ${own} from ${filePath}${show(own, file[own])}.`);
    }
  }
  return out;
}
