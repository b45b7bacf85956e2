import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { createKernels, type WasmVariant } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import { kernelSuite } from './kernel-suite';
import { firstDifference } from './helpers';

// The modules are built by `npm run build`; build them here when a test runs without it.
if (!existsSync(join(__dirname, '..', 'dist', 'wasm', 'kernels-simd.wasm'))) {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build-wasm.js')]);
}

/** One backend per configuration, shared by the tests (each with threads has its workers). */
const backends = new Map<string, Kernels>();
function wasm(variant: WasmVariant, threads: number): Kernels {
  const key = `${variant} ${threads}`;
  if (!backends.has(key)) backends.set(key, createKernels('wasm', { variant, threads, chooser: { split: true, windowCalls: Infinity } }));
  return backends.get(key)!;
}
afterAll(() => backends.forEach((k) => k.dispose?.()));

describe('wasm-simd ×1', () => kernelSuite(wasm('simd', 1)));
describe('wasm-relaxed-simd ×1', () => kernelSuite(wasm('relaxed-simd', 1)));
describe('wasm-relaxed-simd ×2', () => kernelSuite(wasm('relaxed-simd', 2)));

type Product = 'matmul' | 'matmulTransA' | 'matmulTransB';
/** Operand sizes of each product for (m, k, n) in its own argument order. */
function sizes(kind: Product, m: number, k: number, n: number): [a: number, b: number, c: number] {
  if (kind === 'matmul') return [m * k, k * n, m * n];
  if (kind === 'matmulTransA') return [m * k, m * n, k * n];
  return [m * n, k * n, m * k]; // matmulTransB(a, b, c, m, n, k) with the letters as named here
}

function operands(kind: Product, m: number, k: number, n: number, zeros: number, seed: number) {
  const rng = new Rng(seed);
  const [la, lb] = sizes(kind, m, k, n);
  const a = new Float64Array(la), b = new Float64Array(lb);
  for (let i = 0; i < la; i++) a[i] = rng.uniform() < zeros ? 0 : rng.uniform() * 2 - 1;
  for (let i = 0; i < lb; i++) b[i] = rng.uniform() * 2 - 1;
  return { a, b };
}

function run(kernels: Kernels, kind: Product, a: Float64Array, b: Float64Array, m: number, k: number, n: number, inMemory: boolean): Float64Array {
  const place = (x: Float64Array) => {
    const copy = inMemory ? kernels.alloc(x.length) : new Float64Array(x.length);
    copy.set(x);
    return copy;
  };
  const [, , lc] = sizes(kind, m, k, n);
  const c = inMemory ? kernels.alloc(lc).fill(NaN) : new Float64Array(lc).fill(NaN);
  if (kind === 'matmulTransB') kernels.matmulTransB(place(a), place(b), c, m, n, k);
  else kernels[kind](place(a), place(b), c, m, k, n);
  return Float64Array.from(c);
}

// Odd sizes, sizes around the block widths (4 rows, 4 and 16 columns, 8-entry zero runs), fewer
// than four columns, and the net's shapes; dense and mostly-zero left operands. Then products
// large enough for gemm's blocked path (kernels.wat: B packed in blocks of at most 256 terms ×
// 256 columns): more terms than a K-block (sums resumed from C), more columns than an
// N-block, 1 row, rows and columns not multiples of the 4×4 tiles, and Bᵀ with few terms or
// few columns (transposed whole). Which path a shape takes depends on the product: the
// comments say for which ones it is blocked.
const shapes: [number, number, number][] = [
  [1, 1, 1], [2, 3, 1], [5, 7, 3], [4, 16, 4], [9, 17, 5], [13, 33, 17], [3, 9, 18], [7, 40, 35], [100, 784, 50], [100, 50, 10],
  [130, 270, 301], // all three: 2 K-blocks, 2 N-blocks, 130 rows (two threads' parts end mid-tile)
  [1, 517, 97], // matmul, matmulTransB: 1 row, 3 K-blocks, 97 columns
  [6, 150, 301], // matmul, matmulTransB: 6 rows
  [130, 9, 333], // matmulTransA: 9 rows; matmulTransB: 9 columns (Bᵀ transposed whole)
  [9, 600, 10], // matmulTransB: 10 terms (Bᵀ transposed whole), 600 columns
];
const cases = (['matmul', 'matmulTransA', 'matmulTransB'] as const).flatMap((kind) =>
  shapes.flatMap(([m, k, n]) => [0, 0.85].map((zeros) => ({ kind, m, k, n, zeros }))),
);

describe.each(cases)('$kind $m×$k×$n, zeros $zeros', ({ kind, m, k, n, zeros }) => {
  const { a, b } = operands(kind, m, k, n, zeros, m * 1000 + k + n);
  const reference = run(tsKernels, kind, a, b, m, k, n, false);

  test('plain SIMD gives the bits of the TypeScript reference, in WASM memory or not, with 1 to 3 threads', () => {
    for (const threads of [1, 2, 3]) {
      const kernels = wasm('simd', threads);
      expect(firstDifference(run(kernels, kind, a, b, m, k, n, true), reference)).toBe(-1);
      expect(firstDifference(run(kernels, kind, a, b, m, k, n, false), reference)).toBe(-1);
    }
  });

  test('fused multiply-add agrees to rounding and does not depend on the thread count', () => {
    const one = run(wasm('relaxed-simd', 1), kind, a, b, m, k, n, true);
    let worst = 0;
    for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i] - reference[i]) / (1 + Math.abs(reference[i])));
    expect(worst).toBeLessThan(1e-13);
    expect(firstDifference(run(wasm('relaxed-simd', 2), kind, a, b, m, k, n, false), one)).toBe(-1);
  });
});

describe('wasm memory', () => {
  const kernels = wasm('relaxed-simd', 2);

  test('alloc gives zeros that stay usable after the memory grows', () => {
    const first = kernels.alloc(10);
    first.set([1, 2, 3]);
    const big = kernels.alloc(8_000_000); // 64 MB: more than the memory had
    expect(big.length).toBe(8_000_000);
    expect(big.every((v) => v === 0)).toBe(true);
    expect(Array.from(first.subarray(0, 4))).toEqual([1, 2, 3, 0]);
    // A product on an array made before the growth, writing into one made after it.
    const c = kernels.alloc(1);
    kernels.matmul(first, Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), c, 1, 10, 1);
    expect(c[0]).toBe(6);
  });

  test('a too-short operand is refused instead of writing past it', () => {
    const a = kernels.alloc(6), b = kernels.alloc(6), c = kernels.alloc(3);
    expect(() => kernels.matmul(a, b, c, 2, 3, 2)).toThrow(/C has 3 values, the kernel needs 4/);
    expect(() => kernels.matmulTransA(a, b, c, 3, 2, 2)).toThrow(/C has 3/);
    expect(() => kernels.matmulTransB(a, new Float64Array(2), c, 2, 3, 1)).toThrow(/B has 2/);
  });
});

test.each([[1, 1], [3, 5], [100, 50], [7, 10]])('addRowVector and columnSums on %i×%i arrays in WASM memory give the reference bits', (rows, cols) => {
  const kernels = wasm('relaxed-simd', 1);
  const rng = new Rng(rows * cols);
  const x = kernels.alloc(rows * cols), bias = kernels.alloc(cols), sums = kernels.alloc(cols).fill(NaN);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() - 0.5;
  for (let j = 0; j < cols; j++) bias[j] = rng.uniform();
  const expectedX = Float64Array.from(x), expectedSums = new Float64Array(cols);
  tsKernels.addRowVector(expectedX, bias, rows, cols);
  kernels.addRowVector(x, bias, rows, cols);
  expect(firstDifference(x, expectedX)).toBe(-1);
  tsKernels.columnSums(expectedX, expectedSums, rows, cols);
  kernels.columnSums(x, sums, rows, cols);
  expect(firstDifference(sums, expectedSums)).toBe(-1);
});

describe('the element-wise kernels in WASM memory', () => {
  const n = 39760 + 3; // W1's size, and a tail that is not a whole vector
  const rng = new Rng(11);
  const w0 = Float64Array.from({ length: n }, () => rng.gaussian() * 0.01);
  const g0 = Float64Array.from({ length: n }, () => rng.uniform() - 0.5);
  const inMemory = (kernels: Kernels, from: Float64Array) => {
    const copy = kernels.alloc(from.length);
    copy.set(from);
    return copy;
  };

  test('addScaled (the SGD update): plain SIMD gives the bits of w − lr·g, fused multiply-add agrees to rounding', () => {
    const expected = Float64Array.from(w0, (w, i) => w - 0.1 * g0[i]);
    const plain = inMemory(wasm('simd', 1), w0);
    wasm('simd', 1).addScaled(plain, inMemory(wasm('simd', 1), g0), -0.1, n);
    expect(firstDifference(plain, expected)).toBe(-1);
    const fused = inMemory(wasm('relaxed-simd', 1), w0);
    wasm('relaxed-simd', 1).addScaled(fused, inMemory(wasm('relaxed-simd', 1), g0), -0.1, n);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(fused[i] - expected[i]) / (1e-3 + Math.abs(expected[i])));
    expect(worst).toBeLessThan(1e-14);
  });

  test('reluForward and reluBackward give the reference bits', () => {
    for (const variant of ['simd', 'relaxed-simd'] as const) {
      const kernels = wasm(variant, 1);
      const x = inMemory(kernels, g0), dy = inMemory(kernels, w0), y = kernels.alloc(n), dx = kernels.alloc(n);
      const refY = new Float64Array(n), refDx = new Float64Array(n);
      tsKernels.reluForward(g0, refY, n);
      tsKernels.reluBackward(refY, w0, refDx, n);
      kernels.reluForward(x, y, n);
      kernels.reluBackward(y, dy, dx, n);
      expect(firstDifference(y, refY)).toBe(-1);
      expect(firstDifference(dx, refDx)).toBe(-1);
    }
  });

  test('gatherRows reads a byte array from outside the memory, and refuses rows it does not have', () => {
    const kernels = wasm('simd', 1);
    const bytes = Uint8Array.from({ length: 10 * 784 }, (_, i) => (i % 3 === 0 ? i % 256 : 0));
    const src = bytes.subarray(784); // a view that does not start its buffer: 9 rows
    const table = Float64Array.from({ length: 256 }, (_, b) => b / 255);
    const out = kernels.alloc(3 * 784), ref = new Float64Array(3 * 784);
    for (const rows of [[8, 0, 4], [1, 1, 2]]) {
      kernels.gatherRows(src, rows, 0, 3, 784, table, out);
      tsKernels.gatherRows(src, rows, 0, 3, 784, table, ref);
      expect(firstDifference(out, ref)).toBe(-1);
    }
    expect(() => kernels.gatherRows(src, [0, 9, 1], 0, 3, 784, table, out)).toThrow(/row 9 is not one of the 9 rows/);
    expect(() => kernels.gatherRows(src, [0, -1, 1], 0, 3, 784, table, out)).toThrow(/row -1/);
    expect(() => kernels.gatherRows(src, [0, 1, 2], 0, 4, 784, table, out)).toThrow(/out has 2352 values/);
  });
});
