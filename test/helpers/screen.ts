/**
 * A small terminal screen, to check what a person sees on a pseudo-terminal of a given width: it
 * applies printable characters (auto-wrapping at the right edge, as xterm does), CR, LF, cursor up
 * (CSI n A), erase line (CSI 2K / K), and ignores other CSI sequences. It records wraps: a line that
 * reached the right edge and went on is a wrapped line.
 */
export interface Screen {
  rows: string[];
  /** Each line that ran past the right edge (so it wrapped onto the next row), from its first row. */
  wrapped: string[];
}

export function render(output: string, columns: number): Screen {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let pending = false; // the cursor sits past the last column: the next character wraps
  const wrapped: string[] = [];
  let start = 0; // the row the current line began on
  const line = () => (rows[row] ??= []);
  for (let i = 0; i < output.length; ) {
    const ch = output[i]!;
    if (ch === '\x1b') {
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(output.slice(i)); // eslint-disable-line no-control-regex -- ANSI
      if (!m) {
        i++;
        continue;
      }
      const n = Number(m[1] || '1');
      if (m[2] === 'A') start = row = Math.max(0, row - n);
      else if (m[2] === 'K' && m[1] === '2') rows[row] = [];
      else if (m[2] === 'K') line().length = Math.min(line().length, col);
      else if (m[2] === 'G') col = n - 1;
      if (m[2] !== 'm') pending = false;
      i += m[0].length;
      continue;
    }
    const cp = output.codePointAt(i)!;
    const s = String.fromCodePoint(cp);
    i += s.length;
    if (s === '\r') {
      col = 0;
      pending = false;
    } else if (s === '\n') {
      row++;
      col = 0; // the pty's onlcr turns LF into CR LF
      pending = false;
      start = row;
      line();
    } else if (cp >= 0x20) {
      if (pending) {
        if (wrapped.at(-1) !== (rows[start] ?? []).join('')) wrapped.push((rows[start] ?? []).join(''));
        row++;
        col = 0;
        pending = false;
      }
      const l = line();
      while (l.length < col) l.push(' ');
      l[col] = s;
      if (col === columns - 1) pending = true;
      else col++;
    }
  }
  return { rows: rows.map((r) => (r ?? []).join('').trimEnd()), wrapped };
}
