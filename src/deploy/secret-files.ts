/**
 * Files that hold secrets by convention, never put in a build context whatever the folder's
 * .dockerignore says (a `!` line cannot bring them back): an image layer or a registry's build
 * source is no place for credentials, and `deploy --context DIR` often points at a working folder.
 */

/** Matched against the file's name, at any depth. */
const NAMES: RegExp[] = [
  /^\.env($|\.)/, // .env, .env.local, .env.production, ...
  /^\.envrc$/, // direnv
  /^\.npmrc$/, /^\.yarnrc(\.yml)?$/, /^\.pypirc$/, /^[._]netrc$/, /^\.git-credentials$/, /^\.pgpass$/,
  /\.(pem|key|pfx|p12|jks|keystore|ppk)$/i, // private keys and certificate bundles
  /^id_(rsa|dsa|ecdsa|ed25519)(\.|$)/, // SSH keys (and their .pub, harmless but never needed)
  /^mcp-obo\.[a-z0-9]+-[a-z0-9]+\.json$/, // deployment files: ids of everything the deployment made
  /\.tfstate(\.backup)?$/, // Terraform state holds every secret it ever created
];

/** Matched against the path: credential stores of well-known tools. */
const PATHS: RegExp[] = [
  /(^|\/)\.docker\/config\.json$/,
  /(^|\/)\.(ssh|aws|azure|gnupg|kube)\//,
  /(^|\/)\.config\/gcloud\//,
];

/** Whether a context path (forward slashes, relative) may hold a secret. */
export function isSecretFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return NAMES.some((r) => r.test(name)) || PATHS.some((r) => r.test(path));
}

/** Human summary for the README and messages. */
export const SECRET_FILES_SUMMARY =
  '.env*, .envrc, .npmrc, .yarnrc(.yml), .pypirc, .netrc, .git-credentials, .pgpass, keys (*.pem, *.key, *.pfx, *.p12, *.jks, *.keystore, *.ppk, id_rsa*, id_ed25519*, ...), ' +
  'mcp-obo.*.json, *.tfstate, .docker/config.json, and anything under .ssh/, .aws/, .azure/, .gnupg/, .kube/, .config/gcloud/';
