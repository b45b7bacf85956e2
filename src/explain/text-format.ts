/**
 * How explain text is coloured. The library never decides whether to colour: the CLI passes
 * chalk's styles (which switch themselves off when stdout is not a terminal), tests pass `plain`.
 */
export interface Paint {
  title(s: string): string;
  forward(s: string): string;
  backward(s: string): string;
  ok(s: string): string;
  bad(s: string): string;
  note(s: string): string;
}

const same = (s: string) => s;
export const plain: Paint = { title: same, forward: same, backward: same, ok: same, bad: same, note: same };

/** A number as a learner would write it: at most 6 significant digits, so 2.2000000000000002 reads 2.2. */
export function num(x: number): string {
  if (x === 0) return '0'; // also −0
  return String(Number(x.toPrecision(6)));
}

/** A number inside a written-out product: negative ones in parentheses, 2·(-0.5). */
export function factor(x: number): string {
  return x < 0 ? `(${num(x)})` : num(x);
}

export function relError(x: number): string {
  return x.toExponential(1);
}

export function shape(dims: readonly number[]): string {
  return dims.join('×');
}

/** A cell and, optionally, how to colour it once it has been padded (colour codes have no width). */
export type Cell = string | [text: string, paint: (s: string) => string];

/** Rows of cells padded to columns; numbers right-aligned, text left-aligned, two spaces apart. */
export function columns(header: string[], rows: Cell[][], paintHeader: (s: string) => string = same): string[] {
  const text = (c: Cell) => (typeof c === 'string' ? c : c[0]);
  const width = (s: string) => [...s].length;
  const widths = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(text(r[c] ?? '')))));
  const numeric = header.map((_, c) => rows.every((r) => /^[-+0-9.e%]*$/i.test(text(r[c] ?? ''))));
  const last = header.length - 1;
  const pad = (s: string, c: number) => {
    const fill = ' '.repeat(widths[c] - width(s));
    if (numeric[c]) return fill + s;
    return c === last ? s : s + fill; // no trailing blanks, even inside colour codes
  };
  const line = (cells: Cell[], paintAll?: (s: string) => string) =>
    header
      .map((_, c) => {
        const cell = cells[c] ?? '';
        const padded = pad(text(cell), c);
        const paint = paintAll ?? (typeof cell === 'string' ? same : cell[1]);
        return paint(padded);
      })
      .join('  ')
      .trimEnd();
  return [line(header, paintHeader), ...rows.map((r) => line(r))];
}

/** Text blocks (arrays of lines) placed side by side, `gap` spaces apart. */
export function sideBySide(blocks: string[][], gap = 4): string[] {
  const widths = blocks.map((b) => Math.max(...b.map((l) => [...l].length)));
  const height = Math.max(...blocks.map((b) => b.length));
  return Array.from({ length: height }, (_, i) =>
    blocks
      .map((b, k) => (b[i] ?? '').padEnd(widths[k]))
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}

/** A titled matrix with its columns aligned on the right. */
export function matrix(title: string, rows: number[][]): string[] {
  const cells = rows.map((r) => r.map(num));
  const widths = (cells[0] ?? []).map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return [title, ...cells.map((r) => '  ' + r.map((c, j) => c.padStart(widths[j])).join('  '))];
}
