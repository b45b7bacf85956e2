import { UserError } from '../errors';
import type { RgbaImage } from './decode';

/**
 * Turning any picture of a digit into what an MNIST network was trained on. MNIST's digits
 * were made like this (LeCun et al.): bright ink on black, the ink's bounding box scaled to fit
 * 20×20 with its aspect ratio kept and anti-aliased, then put in a 28×28 field so that its
 * centre of mass is at the centre. A digit drawn in a paint program or photographed on paper
 * is dark on light, anywhere in a large picture, perhaps noisy, so each step below undoes one
 * of those differences. Every step is exported on its own so it can be tested (and reused by
 * a server that takes drawings).
 */

/** The side of the field the network sees, and of the box the digit is scaled into. */
export const FIELD = 28;
export const BOX = 20;
/** Ink (after stretching to 0..1) below this is background: paper texture, noise, JPEG ringing. */
export const INK_THRESHOLD = 0.2;
/** A picture whose darkest and lightest parts differ by less than this has no ink in it. */
export const MIN_CONTRAST = 0.1;
/** Pictures at least this large on their shorter side are median-filtered first: their strokes are several pixels wide, noise specks are not. */
export const DENOISE_MIN_SIDE = 56;

/** A grey image, row-major, one float per pixel. */
export interface GreyImage {
  width: number;
  height: number;
  data: Float64Array;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface PreparedDigit {
  /** FIELD×FIELD values in [0, 1], ink bright on 0: what the network takes. */
  pixels: Float64Array;
  /** Whether the picture was light-background (and so inverted). */
  inverted: boolean;
  /** The ink's bounding box in the original picture. */
  box: Box;
  /** The size the box was scaled to (longer side BOX). */
  scaled: { width: number; height: number };
  /** Where the scaled digit's top-left corner went in the field. */
  offset: { x: number; y: number };
}

/**
 * Step 1: brightness 0 (black) .. 1 (white), ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B, as
 * MNIST-era tools and PIL's "L" mode compute it). Transparent pixels are composited over white,
 * as a drawing with a transparent background shows on a page.
 */
export function toGrey(image: RgbaImage): GreyImage {
  const { width, height, data } = image;
  const out = new Float64Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const a = data[4 * i + 3] / 255;
    const luma = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    out[i] = a * luma + (1 - a);
  }
  return { width, height, data: out };
}

/** Step 2 (large pictures only): a 3×3 median filter, which removes isolated specks of noise and keeps strokes wider than a pixel. */
export function medianFilter(image: GreyImage): GreyImage {
  const { width: w, height: h, data } = image;
  const out = new Float64Array(w * h);
  const window = new Float64Array(9);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          // Edges repeat the nearest pixel.
          const yy = Math.min(h - 1, Math.max(0, y + dy)), xx = Math.min(w - 1, Math.max(0, x + dx));
          window[n++] = data[yy * w + xx];
        }
      }
      out[y * w + x] = median9(window);
    }
  }
  return { width: w, height: h, data: out };
}

/** The median of 9 values by insertion sort (much faster than a typed array's sort() for so few). */
function median9(v: Float64Array): number {
  for (let i = 1; i < 9; i++) {
    const x = v[i];
    let j = i - 1;
    for (; j >= 0 && v[j] > x; j--) v[j + 1] = v[j];
    v[j + 1] = x;
  }
  return v[4];
}

/** The background's brightness: the median of the pixels on the picture's border (a digit rarely touches all four edges). */
export function backgroundLevel(image: GreyImage): number {
  const { width: w, height: h, data } = image;
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(data[x], data[(h - 1) * w + x]);
  for (let y = 1; y < h - 1; y++) border.push(data[y * w], data[y * w + w - 1]);
  border.sort((a, b) => a - b);
  return border[Math.floor(border.length / 2)];
}

/**
 * Step 3: ink as MNIST has it, bright on 0. A light background (brighter than mid-grey) is
 * inverted. Then the background level maps to 0 and the strongest ink to 1, and what stays
 * below INK_THRESHOLD becomes 0. Returns null when there is no ink (too little contrast).
 */
export function toInk(image: GreyImage): { ink: GreyImage; inverted: boolean } | null {
  const background = backgroundLevel(image);
  const inverted = background > 0.5;
  // Plain loops: Float64Array.map with a closure is several times slower on a large picture.
  const src = image.data, data = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = inverted ? 1 - src[i] : src[i];
  const bg = inverted ? 1 - background : background;
  let peak = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > peak) peak = data[i];
  if (peak - bg < MIN_CONTRAST) return null;
  for (let i = 0; i < data.length; i++) {
    const ink = (data[i] - bg) / (peak - bg);
    data[i] = ink < INK_THRESHOLD ? 0 : Math.min(1, ink);
  }
  return { ink: { width: image.width, height: image.height, data }, inverted };
}

/** The smallest box holding every pixel above `threshold`, or null if none is. */
export function boundingBox(image: GreyImage, threshold = 0): Box | null {
  const { width: w, height: h, data } = image;
  let left = w, right = -1, top = h, bottom = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (data[y * w + x] <= threshold) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** The share of the ink's mass that may lie outside the digit's box: stray specks the median filter missed. */
export const STRAY_INK = 0.002;

/**
 * Step 4, the digit's box: the bounding box of the ink, less outer rows and columns that together hold
 * at most `stray` of the ink's mass, so a speck of noise far from the digit does not stretch
 * it. With stray 0 this is boundingBox.
 */
export function digitBox(image: GreyImage, stray = STRAY_INK): Box | null {
  const { width: w, height: h, data } = image;
  const cols = new Float64Array(w), rows = new Float64Array(h);
  let total = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = data[y * w + x];
      cols[x] += v;
      rows[y] += v;
      total += v;
    }
  }
  if (total === 0) return null;
  const allowed = stray * total;
  const first = (sums: Float64Array) => {
    let i = 0;
    for (let seen = sums[0]; seen <= allowed && i < sums.length - 1; ) seen += sums[++i];
    return i;
  };
  const last = (sums: Float64Array) => sums.length - 1 - first(sums.slice().reverse());
  const left = first(cols), top = first(rows);
  return { left, top, width: last(cols) - left + 1, height: last(rows) - top + 1 };
}

export function crop(image: GreyImage, box: Box): GreyImage {
  const data = new Float64Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.top + y) * image.width + box.left;
    data.set(image.data.subarray(from, from + box.width), y * box.width);
  }
  return { width: box.width, height: box.height, data };
}

/** The size a width×height box is scaled to so its longer side is `side`, aspect ratio kept (at least 1 pixel). */
export function fitSize(width: number, height: number, side = BOX): { width: number; height: number } {
  const scale = side / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Step 5: resampling by area averaging. Each output pixel is the mean of the input area it
 * covers, partly covered input pixels weighted by the part covered: the anti-aliasing MNIST's
 * digits have, and a picture 10× larger loses no thin stroke. Done one axis at a time.
 */
export function resizeArea(image: GreyImage, width: number, height: number): GreyImage {
  const rows = resample(image.data, image.width, image.height, width, 1, image.width); // each row: w → width
  const out = new Float64Array(width * height);
  // Columns: h → height, reading the row-resized image with stride `width`.
  for (let x = 0; x < width; x++) {
    const column = resample(rows, image.height, 1, height, width, 1, x);
    for (let y = 0; y < height; y++) out[y * width + x] = column[y];
  }
  return { width, height, data: out };
}

/**
 * Resamples `lines` 1-D signals of length n (element i of line l at base + l·lineStride + i·step)
 * to length m by area averaging; the result is lines×m, row-major.
 */
function resample(src: Float64Array, n: number, lines: number, m: number, step: number, lineStride: number, base = 0): Float64Array {
  const out = new Float64Array(lines * m);
  const scale = n / m; // input pixels per output pixel
  for (let j = 0; j < m; j++) {
    const from = j * scale, to = (j + 1) * scale;
    for (let i = Math.floor(from); i < Math.min(n, Math.ceil(to)); i++) {
      const cover = Math.min(to, i + 1) - Math.max(from, i);
      if (cover <= 0) continue;
      for (let l = 0; l < lines; l++) out[l * m + j] += (cover / scale) * src[base + l * lineStride + i * step];
    }
  }
  return out;
}

/** The ink's centre of mass, in pixel coordinates where pixel (x, y) covers [x, x+1) × [y, y+1). */
export function centreOfMass(image: GreyImage): { x: number; y: number } {
  const { width: w, height: h, data } = image;
  let mass = 0, sx = 0, sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = data[y * w + x];
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return mass === 0 ? { x: w / 2, y: h / 2 } : { x: sx / mass, y: sy / mass };
}

/**
 * Step 6: the digit in a field×field image, shifted by whole pixels so its centre of mass is
 * as near the field's centre as can be, but never so far that ink falls off the field.
 */
export function centreInField(image: GreyImage, field = FIELD): { pixels: Float64Array; offset: { x: number; y: number } } {
  const c = centreOfMass(image);
  // MNIST's centres of mass sit in the middle of pixel 14, at 14.5 in these coordinates (the
  // mean over the first 2000 test digits is 14.50, 14.49), not on the field's centre line.
  const target = field / 2 + 0.5;
  const place = (centre: number, size: number) => Math.min(Math.max(0, Math.round(target - centre)), Math.max(0, field - size));
  const offset = { x: place(c.x, image.width), y: place(c.y, image.height) };
  const pixels = new Float64Array(field * field);
  for (let y = 0; y < Math.min(image.height, field); y++) {
    for (let x = 0; x < Math.min(image.width, field); x++) pixels[(y + offset.y) * field + x + offset.x] = image.data[y * image.width + x];
  }
  return { pixels, offset };
}

/**
 * All the steps: any RGBA picture of one digit → FIELD×FIELD floats in [0, 1] (the strongest
 * ink 1), with what was done. Throws a UserError naming `name` when the picture has no ink.
 */
export function prepareDigitDetailed(image: RgbaImage, name = 'image'): PreparedDigit {
  let grey = toGrey(image);
  if (Math.min(grey.width, grey.height) >= DENOISE_MIN_SIDE) grey = medianFilter(grey);
  const inked = toInk(grey);
  const box = inked && digitBox(inked.ink);
  if (!inked || !box) throw new UserError(`${name}: no ink found (the picture is one flat colour, or nearly)`);
  const size = fitSize(box.width, box.height);
  const scaled = resizeArea(crop(inked.ink, box), size.width, size.height);
  const { pixels, offset } = centreInField(scaled);
  let peak = 0;
  for (const v of pixels) peak = Math.max(peak, v);
  for (let i = 0; i < pixels.length; i++) pixels[i] /= peak;
  return { pixels, inverted: inked.inverted, box, scaled: size, offset };
}

/** A picture of a digit as an MNIST network takes it: FIELD×FIELD values in [0, 1]. See prepareDigitDetailed. */
export function prepareDigit(image: RgbaImage, name?: string): Float64Array {
  return prepareDigitDetailed(image, name).pixels;
}
