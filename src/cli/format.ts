/** A plain-text table: columns padded to their widest cell, numbers aligned right. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+0-9.e×%]+$/i.test(r[c])));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "1 epoch", "2 epochs", "1 batch", "3 batches": a count with its noun in the right number. */
export function plural(n: number, noun: string, nouns = `${noun}${/(s|x|z|sh|(?<!o)ch)$/.test(noun) ? 'es' : 's'}`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}
