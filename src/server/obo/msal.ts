/**
 * msal-node, loaded through its CommonJS build: one bundled file (`lib/msal-node.cjs`, and msal-common's
 * `lib/index.cjs`) instead of some 120 ES modules. Same package, same version, same code; it loads in
 * about half the time (70-90 ms against 160-215 ms with Node's compile cache, on the bench machine),
 * and it is on the path to the first authenticated call. Loaded once; nothing here imports it otherwise.
 * The bundled CLI (.ci/bundle.ts) leaves it as it is: esbuild does not follow createRequire, so msal
 * comes from node_modules there too.
 */
import { createRequire } from 'node:module';
import type * as Msal from '@azure/msal-node';

let loaded: Promise<typeof Msal> | undefined;

export function loadMsal(): Promise<typeof Msal> {
  loaded ??= Promise.resolve().then(() => createRequire(import.meta.url)('@azure/msal-node') as typeof Msal);
  return loaded;
}
