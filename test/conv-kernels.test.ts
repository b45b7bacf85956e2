import { createKernels } from '../src/core/backend';
import { colShape, outHeight, outWidth, type Window } from '../src/core/im2col';
import type { Kernels } from '../src/core/kernels';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { firstDifference } from './helpers';

/**
 * The window kernels of every backend against the reference (im2col.ts, tsKernels): they copy,
 * compare and add in the same order, so the results must be identical, bit for bit, with the
 * arrays in the backend's memory or outside it, and on two threads (the larger geometries are
 * split by images or planes) as on one. (The reference itself is checked against a
 * nested-loop convolution in conv.test.ts.)
 */
const geometries: Window[] = [
  { n: 1, c: 1, h: 4, w: 4, fh: 2, fw: 2, stride: 1, pad: 0 },
  { n: 3, c: 2, h: 7, w: 7, fh: 3, fw: 3, stride: 2, pad: 1 },
  { n: 2, c: 3, h: 6, w: 5, fh: 3, fw: 2, stride: 1, pad: 1 },
  { n: 5, c: 4, h: 8, w: 8, fh: 2, fw: 2, stride: 2, pad: 0 },
  { n: 1, c: 1, h: 28, w: 28, fh: 5, fw: 5, stride: 1, pad: 0 },
  // An odd number of 2×2 outputs a row (the pair kernels' last one alone).
  { n: 3, c: 2, h: 6, w: 10, fh: 2, fw: 2, stride: 2, pad: 0 },
  // Large enough to be split over two threads (by images, by planes).
  { n: 4, c: 1, h: 28, w: 28, fh: 5, fw: 5, stride: 1, pad: 0 },
  { n: 10, c: 3, h: 24, w: 24, fh: 2, fw: 2, stride: 2, pad: 0 },
  { n: 6, c: 4, h: 12, w: 12, fh: 3, fw: 3, stride: 1, pad: 1 },
];
const name = (g: Window) => `${g.n}×${g.c}×${g.h}×${g.w}, ${g.fh}×${g.fw} stride ${g.stride} pad ${g.pad}`;

function convSuite(kernels: Kernels) {
  const rng = new Rng(8);
  const homes = [(n: number) => kernels.alloc(n), (n: number) => new Float64Array(n)];
  const filled = (home: (n: number) => Float64Array, n: number, ties = false) => {
    const a = home(n);
    // With ties: few distinct values, so windows hold equal maxima (the first must win).
    for (let i = 0; i < n; i++) a[i] = ties ? rng.int(3) - 1 : rng.gaussian();
    return a;
  };

  test.each(geometries.map((g) => [name(g), g] as const))('im2col, im2colTransposed and col2im: %s', (_, g) => {
    const [rows, cols] = colShape(g);
    for (const home of homes) {
      const x = filled(home, g.n * g.c * g.h * g.w), d = filled(home, rows * cols);
      const col = home(rows * cols).fill(NaN), expected = new Float64Array(rows * cols);
      kernels.im2col(x, col, g);
      tsKernels.im2col(x, expected, g);
      expect(firstDifference(col, expected)).toBe(-1);
      // The transposed form: each image's block of col, transposed.
      const colT = home(rows * cols).fill(NaN), expectedT = new Float64Array(rows * cols);
      kernels.im2colTransposed(x, colT, g);
      tsKernels.transposeBatch(expected, expectedT, g.n, rows / g.n, cols);
      expect(firstDifference(colT, expectedT)).toBe(-1);
      const dx = home(x.length).fill(NaN), expectedDx = new Float64Array(x.length);
      kernels.col2im(d, dx, g);
      tsKernels.col2im(d, expectedDx, g);
      expect(firstDifference(dx, expectedDx)).toBe(-1);
    }
  });

  test.each(geometries.map((g) => [name(g), g] as const))('maxPoolForward and maxPoolBackward, with tied maxima: %s', (_, g) => {
    const outputs = g.n * g.c * outHeight(g) * outWidth(g);
    for (const home of homes) {
      const x = filled(home, g.n * g.c * g.h * g.w, true), dout = filled(home, outputs);
      const out = home(outputs).fill(NaN), argmax = kernels.allocIndices(outputs).fill(-7);
      const expectedOut = new Float64Array(outputs), expectedArgmax = new Int32Array(outputs);
      kernels.maxPoolForward(x, out, argmax, g);
      tsKernels.maxPoolForward(x, expectedOut, expectedArgmax, g);
      expect(firstDifference(out, expectedOut)).toBe(-1);
      expect(firstDifference(argmax, expectedArgmax)).toBe(-1);
      const dx = home(x.length).fill(NaN), expectedDx = new Float64Array(x.length);
      kernels.maxPoolBackward(dout, argmax, dx, g);
      tsKernels.maxPoolBackward(dout, expectedArgmax, expectedDx, g);
      expect(firstDifference(dx, expectedDx)).toBe(-1);
    }
  });

  test.each(geometries.map((g) => [name(g), g] as const))('avgPoolForward and avgPoolBackward: %s', (_, g) => {
    const outputs = g.n * g.c * outHeight(g) * outWidth(g);
    for (const home of homes) {
      const x = filled(home, g.n * g.c * g.h * g.w), dout = filled(home, outputs);
      const out = home(outputs).fill(NaN), expectedOut = new Float64Array(outputs);
      kernels.avgPoolForward(x, out, g);
      tsKernels.avgPoolForward(x, expectedOut, g);
      expect(firstDifference(out, expectedOut)).toBe(-1);
      const dx = home(x.length).fill(NaN), expectedDx = new Float64Array(x.length);
      kernels.avgPoolBackward(dout, dx, g);
      tsKernels.avgPoolBackward(dout, expectedDx, g);
      expect(firstDifference(dx, expectedDx)).toBe(-1);
    }
  });

  test.each([geometries[3], geometries[5], geometries[7]].map((g) => [name(g), g] as const))(
    'max pooling of NaN, ±Infinity and ±0, all-NaN windows included, as the reference: %s',
    (_, g) => {
      const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1];
      const outputs = g.n * g.c * outHeight(g) * outWidth(g);
      const x = kernels.alloc(g.n * g.c * g.h * g.w), dout = kernels.alloc(outputs);
      x.forEach((_, i) => (x[i] = i < 8 ? NaN : specials[rng.int(specials.length)]));
      dout.forEach((_, i) => (dout[i] = specials[rng.int(specials.length)]));
      const out = kernels.alloc(outputs), argmax = kernels.allocIndices(outputs), dx = kernels.alloc(x.length).fill(7);
      const expected = [new Float64Array(outputs), new Int32Array(outputs), new Float64Array(x.length)] as const;
      kernels.maxPoolForward(x, out, argmax, g);
      tsKernels.maxPoolForward(x, expected[0], expected[1], g);
      kernels.maxPoolBackward(dout, argmax, dx, g);
      tsKernels.maxPoolBackward(dout, expected[1], expected[2], g);
      // Bit for bit: toEqual would not tell −0 from +0.
      expect(firstDifference(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), new Uint8Array(expected[0].buffer))).toBe(-1);
      expect(firstDifference(argmax, expected[1])).toBe(-1);
      expect(firstDifference(new Uint8Array(dx.buffer, dx.byteOffset, dx.byteLength), new Uint8Array(expected[2].buffer))).toBe(-1);
    },
  );

  test('transposeBatch: each block transposed', () => {
    for (const home of homes) {
      const src = home(2 * 3 * 4);
      src.forEach((_, i) => (src[i] = i));
      const dst = home(24).fill(NaN);
      kernels.transposeBatch(src, dst, 2, 3, 4);
      expect(Array.from(dst)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 16, 20, 13, 17, 21, 14, 18, 22, 15, 19, 23]);
    }
  });

  // (The reference needs no such check: it writes through bounds-checked typed arrays.)
  if (kernels !== tsKernels) test('a window that does not fit, or arrays too short, are refused before any memory is touched', () => {
    const g = { n: 1, c: 1, h: 4, w: 4, fh: 2, fw: 2, stride: 1, pad: 0 };
    expect(() => kernels.im2col(kernels.alloc(16), kernels.alloc(35), g)).toThrow(RangeError);
    expect(() => kernels.im2col(kernels.alloc(16), kernels.alloc(36), { ...g, fh: 5 })).toThrow(RangeError);
  });
}

describe('ts', () => convSuite(tsKernels));
describe('wasm-simd ×1', () => convSuite(createKernels('wasm', { variant: 'simd', threads: 1 })));
describe('wasm-relaxed-simd ×2', () => convSuite(createKernels('wasm', { variant: 'relaxed-simd', threads: 2, chooser: { split: true, windowCalls: Infinity } })));
