/**
 * The geometry of a sliding window over a batch of images, and the readable reference of the
 * window operations (im2col, col2im, pooling) that the kernels implement.
 *
 * Images are N×C×H×W, row-major: pixel (n, c, y, x) is at ((n·C + c)·H + y)·W + x. A window
 * of FH×FW moves by `stride`, over the images padded with `pad` zeros on every side, so
 *
 *   OH = (H + 2·pad − FH) / stride + 1,   OW = (W + 2·pad − FW) / stride + 1
 *
 * (the book's conv_output_size). nnt requires the division to be exact (see `windowError`).
 */
export interface Window {
  /** Images in the batch. */
  n: number;
  /** Channels, height and width of one image. */
  c: number;
  h: number;
  w: number;
  /** Height and width of the window (filter or pool). */
  fh: number;
  fw: number;
  stride: number;
  pad: number;
}

export function outHeight(g: Window): number {
  return Math.floor((g.h + 2 * g.pad - g.fh) / g.stride) + 1;
}

export function outWidth(g: Window): number {
  return Math.floor((g.w + 2 * g.pad - g.fw) / g.stride) + 1;
}

/**
 * Why the window does not fit the image, or undefined when it does: it must fit inside the
 * padded image and tile it exactly (no rows or columns left over, which the book's formula
 * would silently drop). `of` names the image, e.g. "of conv1" for "the 23×23 output of conv1".
 */
export function windowError(h: number, w: number, fh: number, fw: number, stride: number, pad: number, of: string): string | undefined {
  const ph = h + 2 * pad, pw = w + 2 * pad;
  const image = pad ? `the ${h}×${w} ${of}, padded to ${ph}×${pw}` : `the ${h}×${w} ${of}`;
  if (pad >= fh || pad >= fw) return `has padding ${pad}, which is not smaller than the window`;
  if (fh > ph || fw > pw) return `does not fit in ${image}`;
  if ((ph - fh) % stride !== 0 || (pw - fw) % stride !== 0) return `does not tile ${image}`;
  return undefined;
}

/** Rows and columns of the im2col matrix: one row per output position (n, oy, ox), one column per (c, ky, kx). */
export function colShape(g: Window): [rows: number, cols: number] {
  return [g.n * outHeight(g) * outWidth(g), g.c * g.fh * g.fw];
}

/**
 * The book's im2col: col[(n, oy, ox)][(c, ky, kx)] = x_padded[n][c][oy·stride + ky][ox·stride + kx].
 * Row r of col is the window that output position r sees, so a convolution is one matrix
 * product, col · Wᵀ, with W's filters as rows (FN × C·FH·FW).
 */
export function im2col(x: Float64Array, col: Float64Array, g: Window): void {
  const oh = outHeight(g), ow = outWidth(g);
  let r = 0;
  for (let n = 0; n < g.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        for (let c = 0; c < g.c; c++) {
          const image = (n * g.c + c) * g.h;
          for (let ky = 0; ky < g.fh; ky++) {
            const y = oy * g.stride + ky - g.pad;
            for (let kx = 0; kx < g.fw; kx++) {
              const xx = ox * g.stride + kx - g.pad;
              const inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
              col[r++] = inside ? x[(image + y) * g.w + xx] : 0;
            }
          }
        }
      }
}

/**
 * im2col's matrix transposed image by image (what transposeBatch would make of it): colT holds
 * N blocks of (C·FH·FW) × (OH·OW), and entry [(c, ky, kx)][(oy, ox)] of block n is
 * col[(n, oy, ox)][(c, ky, kx)]. W · (block n) is then image n's convolution, FN × OH·OW, a
 * plain product with no transpose before it.
 */
export function im2colTransposed(x: Float64Array, colT: Float64Array, g: Window): void {
  const oh = outHeight(g), ow = outWidth(g);
  let r = 0;
  for (let nc = 0; nc < g.n * g.c; nc++) {
    const image = nc * g.h;
    for (let ky = 0; ky < g.fh; ky++)
      for (let kx = 0; kx < g.fw; kx++)
        for (let oy = 0; oy < oh; oy++) {
          const y = oy * g.stride + ky - g.pad;
          for (let ox = 0; ox < ow; ox++) {
            const xx = ox * g.stride + kx - g.pad;
            const inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
            colT[r++] = inside ? x[(image + y) * g.w + xx] : 0;
          }
        }
  }
}

/**
 * The book's col2im, im2col's transpose: every entry of col is added back to the pixel it was
 * copied from (entries that came from the padding are dropped). A pixel seen by several
 * windows gets the sum of their entries, in row order of col: this is dx from dcol.
 */
export function col2im(col: Float64Array, x: Float64Array, g: Window): void {
  const oh = outHeight(g), ow = outWidth(g);
  x.fill(0, 0, g.n * g.c * g.h * g.w);
  let r = 0;
  for (let n = 0; n < g.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        for (let c = 0; c < g.c; c++) {
          const image = (n * g.c + c) * g.h;
          for (let ky = 0; ky < g.fh; ky++) {
            const y = oy * g.stride + ky - g.pad;
            for (let kx = 0; kx < g.fw; kx++, r++) {
              const xx = ox * g.stride + kx - g.pad;
              if (y >= 0 && y < g.h && xx >= 0 && xx < g.w) x[(image + y) * g.w + xx] += col[r];
            }
          }
        }
      }
}

/**
 * Max pooling, N×C×H×W → N×C×OH×OW: each output is the largest input of its window (padding
 * counts as 0, as in the book's np.pad). `argmax` gets, per output, the index in x of that
 * input; −1 when the maximum was padding. Ties go to the first in the window (row by row),
 * like np.argmax in the book's Pooling.
 */
export function maxPoolForward(x: Float64Array, out: Float64Array, argmax: Int32Array, g: Window): void {
  const oh = outHeight(g), ow = outWidth(g);
  let o = 0;
  for (let nc = 0; nc < g.n * g.c; nc++) {
    const image = nc * g.h;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++, o++) {
        let best = -Infinity, at = -1;
        for (let ky = 0; ky < g.fh; ky++) {
          const y = oy * g.stride + ky - g.pad;
          for (let kx = 0; kx < g.fw; kx++) {
            const xx = ox * g.stride + kx - g.pad;
            const inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
            const v = inside ? x[(image + y) * g.w + xx] : 0;
            if (v > best) {
              best = v;
              at = inside ? (image + y) * g.w + xx : -1;
            }
          }
        }
        out[o] = best;
        argmax[o] = at;
      }
  }
}

/** Max pooling backward: dx is zero except where an output took its maximum, which receives that output's gradient (summed, if windows overlap). */
export function maxPoolBackward(dout: Float64Array, argmax: Int32Array, dx: Float64Array, g: Window): void {
  dx.fill(0, 0, g.n * g.c * g.h * g.w);
  const outputs = g.n * g.c * outHeight(g) * outWidth(g);
  for (let o = 0; o < outputs; o++) if (argmax[o] >= 0) dx[argmax[o]] += dout[o];
}

/** Average pooling: each output is the mean of its FH×FW window (padding counted as zeros). */
export function avgPoolForward(x: Float64Array, out: Float64Array, g: Window): void {
  const oh = outHeight(g), ow = outWidth(g), size = g.fh * g.fw;
  let o = 0;
  for (let nc = 0; nc < g.n * g.c; nc++) {
    const image = nc * g.h;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++, o++) {
        let sum = 0;
        for (let ky = 0; ky < g.fh; ky++) {
          const y = oy * g.stride + ky - g.pad;
          if (y < 0 || y >= g.h) continue;
          for (let kx = 0; kx < g.fw; kx++) {
            const xx = ox * g.stride + kx - g.pad;
            if (xx >= 0 && xx < g.w) sum += x[(image + y) * g.w + xx];
          }
        }
        out[o] = sum / size;
      }
  }
}

/** Average pooling backward: every input of a window receives dout / (FH·FW). */
export function avgPoolBackward(dout: Float64Array, dx: Float64Array, g: Window): void {
  const oh = outHeight(g), ow = outWidth(g), size = g.fh * g.fw;
  dx.fill(0, 0, g.n * g.c * g.h * g.w);
  let o = 0;
  for (let nc = 0; nc < g.n * g.c; nc++) {
    const image = nc * g.h;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++, o++) {
        const share = dout[o] / size;
        for (let ky = 0; ky < g.fh; ky++) {
          const y = oy * g.stride + ky - g.pad;
          if (y < 0 || y >= g.h) continue;
          for (let kx = 0; kx < g.fw; kx++) {
            const xx = ox * g.stride + kx - g.pad;
            if (xx >= 0 && xx < g.w) dx[(image + y) * g.w + xx] += share;
          }
        }
      }
  }
}

/**
 * dst = src with the last two axes swapped in each of `batches` blocks: block b of src is
 * rows×cols, of dst cols×rows. The convolution's N×(OH·OW)×FN product ↔ N×FN×(OH·OW) images.
 */
export function transposeBatch(src: Float64Array, dst: Float64Array, batches: number, rows: number, cols: number): void {
  for (let b = 0; b < batches; b++) {
    const base = b * rows * cols;
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) dst[base + j * rows + i] = src[base + i * cols + j];
  }
}
