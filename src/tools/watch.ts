/**
 * `serve --tools DIR --watch`: reload the user's tools when their files change, in the same process
 * (sign-ins and caches survive). ESM modules are cached by URL, so each reload imports a new
 * generation: a resolve hook adds `?v=N` to every module under the watched folders, the tools'
 * own helpers included; packages in node_modules are loaded once.
 */
import { watch, type FSWatcher } from 'node:fs';
import { registerHooks } from 'node:module';
import { dirname } from 'node:path';
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

let generation = 0;
let roots: string[] = [];
let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (generation === 0 || !resolved.url.startsWith('file:') || resolved.url.includes('/node_modules/')) return resolved;
      if (!roots.some((r) => resolved.url.startsWith(r))) return resolved;
      const url = new URL(resolved.url);
      url.searchParams.set('v', String(generation));
      return { ...resolved, url: url.href };
    },
  });
}

export interface ToolWatcher {
  close(): void;
}

/** Calls `reload(version)` (debounced) after a module under `paths` changes; `reload` must not throw. */
export function watchTools(paths: readonly string[], reload: (version: number) => Promise<void>): ToolWatcher {
  hook();
  const dirs = paths.map((p) => (statSync(p).isDirectory() ? p : dirname(p)));
  roots = [...new Set([...roots, ...dirs.map((d) => pathToFileURL(d).href + '/')])];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const changed = (file: string | null) => {
    if (file && !/\.(m?js|m?ts|json)$/.test(file)) return;
    clearTimeout(timer);
    // Editors write a file in several steps; one reload after they settle.
    timer = setTimeout(() => {
      running = running.then(() => reload(++generation));
    }, 150);
  };
  const watchers: FSWatcher[] = dirs.map((d) => watch(d, { recursive: true }, (_event, file) => changed(file)));
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

/** The import generation the next load should use (0 before any change). */
export function currentGeneration(): number {
  return generation;
}
