/** Quoting for text printed as shell commands the user will paste (POSIX sh, bash, zsh). */

/** `value` as one shell word: unchanged when it holds only safe characters, else single-quoted. */
export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_./:@%+=,-]+$/.test(value)) return value;
  // Inside single quotes nothing is special but the quote itself, which is closed, escaped and reopened.
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
