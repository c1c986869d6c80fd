/**
 * Fitting lines to the terminal: a line as wide as the screen wraps (or leaves the cursor in the
 * pending-wrap column), and a redraw that moves up by lines then overwrites the wrong rows. Lines
 * are cut, one column short of the edge, with an ellipsis; off a terminal nothing is cut.
 */

/** The width of the terminal a stream writes to, or undefined when it is not one. */
export function columnsOf(stream: NodeJS.WritableStream): number | undefined {
  const s = stream as { isTTY?: boolean; columns?: number };
  return s.isTTY && s.columns && s.columns > 0 ? s.columns : undefined;
}

/** `line` cut to fit `columns` (code points; our output has no wide characters). */
export function fit(line: string, columns: number | undefined): string {
  if (!columns) return line;
  const chars = [...line];
  const room = Math.max(columns - 1, 2);
  return chars.length <= room ? line : `${chars.slice(0, room - 1).join('')}…`;
}
