/**
 * The files this run has saved, so that Ctrl-C can say what is on disk: every file goes through
 * writeFileAtomic (whole or not at all), so what is listed here is complete.
 */
const saved = new Set<string>();

export function recordSaved(path: string): void {
  saved.add(path);
}

export function savedFiles(): string[] {
  return [...saved];
}
