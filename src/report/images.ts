import { encodePng, type RgbaImage } from '../image/decode';
import type { WeightTiles, WrongDigit } from './analysis';

/**
 * The report's pictures (digits, weight tiles) as SVG figures: a grid of PNG images (encoded
 * by pngjs, embedded as data URLs, so the SVG stands alone) with captions. The classes follow
 * vega's SVG ("marks", "mark-image") so the browser test checks every figure the same way.
 */

/** Pixels are drawn this many times larger, nearest neighbour, so they stay sharp everywhere. */
const ZOOM = 3;

/** A grey image (bytes, 255 = ink) as dark ink on white, zoomed. */
export function digitPng(pixels: Uint8Array, height: number, width: number): Buffer {
  const image = zoomed(width, height, (i) => {
    const v = 255 - pixels[i];
    return [v, v, v];
  });
  return encodePng(image, { grey: true });
}

/**
 * Weights as a diverging image: negative blue, zero white, positive red, scaled by the tile's
 * largest |w| (each unit's pattern shows, whatever its overall size).
 */
export function weightsPng(tile: Float64Array, height: number, width: number): Buffer {
  let max = 0;
  for (const w of tile) max = Math.max(max, Math.abs(w));
  return encodePng(zoomed(width, height, (i) => diverging(max === 0 ? 0 : tile[i] / max)));
}

/** t in [-1, 1] → RGB from blue (#2166ac) through white to red (#b2182b), ColorBrewer's RdBu ends. */
export function diverging(t: number): [number, number, number] {
  const end = t < 0 ? [33, 102, 172] : [178, 24, 43];
  const a = Math.min(1, Math.abs(t));
  return [0, 1, 2].map((c) => Math.round(255 + a * (end[c] - 255))) as [number, number, number];
}

function zoomed(width: number, height: number, colour: (i: number) => [number, number, number]): RgbaImage {
  const W = width * ZOOM, H = height * ZOOM;
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [r, g, b] = colour(Math.floor(y / ZOOM) * width + Math.floor(x / ZOOM));
      data.set([r, g, b, 255], 4 * (y * W + x));
    }
  }
  return { width: W, height: H, data };
}

interface Cell {
  png: Buffer;
  caption: string;
}

/** Cells in a grid of `columns`, each image with its caption below. */
export function gridSvg(title: string, cells: Cell[], cellWidth: number, cellHeight: number, columns: number): string {
  const pad = 10, captionHeight = 16, titleHeight = 24;
  const rows = Math.ceil(cells.length / columns);
  const width = pad + Math.min(columns, cells.length) * (cellWidth + pad);
  const height = titleHeight + pad + rows * (cellHeight + captionHeight + pad);
  const items = cells.map((cell, i) => {
    const x = pad + (i % columns) * (cellWidth + pad), y = titleHeight + pad + Math.floor(i / columns) * (cellHeight + captionHeight + pad);
    const href = `data:image/png;base64,${cell.png.toString('base64')}`;
    return (
      `<image x="${x}" y="${y}" width="${cellWidth}" height="${cellHeight}" href="${href}" xlink:href="${href}"/>` +
      `<text class="caption" x="${x + cellWidth / 2}" y="${y + cellHeight + 12}" text-anchor="middle">${escapeXml(cell.caption)}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="marks" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="white"/>` +
    `<text x="${pad}" y="17" font-family="sans-serif" font-size="13" font-weight="bold">${escapeXml(title)}</text>` +
    `<g class="mark-image role-mark" font-family="sans-serif" font-size="10">${items.join('')}</g></svg>`
  );
}

export function wrongDigitsSvg(wrong: WrongDigit[]): string {
  const [h, w] = wrong[0]?.shape.length === 2 ? wrong[0].shape : [28, 28];
  const cells = wrong.map((d) => ({ png: digitPng(d.pixels, h, w), caption: `#${d.index}: ${d.label} → ${d.predicted} ${(100 * d.confidence).toFixed(0)}%` }));
  return gridSvg('Most confidently wrong test digits (true → predicted, confidence)', cells, Math.max(w * ZOOM, 96), h * ZOOM, 6);
}

export function weightTilesSvg(t: WeightTiles): string {
  const cells = t.tiles.map((tile, u) => ({ png: weightsPng(tile, t.height, t.width), caption: `unit ${u}` }));
  const shown = t.tiles.length < t.units ? ` (first ${t.tiles.length} of ${t.units})` : '';
  return gridSvg(`First layer's weights ${t.param}, one tile per unit${shown}: blue negative, red positive`, cells, t.width * ZOOM, t.height * ZOOM, 10);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
