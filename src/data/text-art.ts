import type { Dataset } from './dataset';

/** Dark to bright: a pixel byte 0..255 picks one of these by its brightness. */
const RAMP = ' .:-=+*#%@';

/**
 * Sample `index` drawn as lines of text, one character per pixel column. Terminal cells are
 * about twice as tall as wide, so each line averages two pixel rows and the digit keeps its
 * proportions (28×28 pixels → 14 lines of 28 characters). Images of more than two dimensions
 * are drawn as rows × (everything else).
 */
export function textArt(ds: Dataset, index: number): string[] {
  const rows = ds.imageShape.length > 1 ? ds.imageShape[0] : 1;
  const cols = ds.sampleSize / rows;
  const base = index * ds.sampleSize;
  const lines: string[] = [];
  for (let r = 0; r < rows; r += 2) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      const top = ds.images[base + r * cols + c];
      const value = r + 1 < rows ? (top + ds.images[base + (r + 1) * cols + c]) / 2 : top;
      line += RAMP[Math.min(RAMP.length - 1, Math.floor((value / 256) * RAMP.length))];
    }
    lines.push(line);
  }
  return lines;
}
