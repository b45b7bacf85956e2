import { loadBlas } from '../src/core/native';
import { NativeKernels } from '../src/core/native-kernels';
import type { Kernels } from '../src/core/kernels';
import { Rng } from '../src/core/rng';
import { allocSparseMatrix, type SparseMatrix } from '../src/core/sparse';
import { WasmKernels } from '../src/core/wasm-kernels';
import { loadKernelModule, wasmSupport, type WasmVariant } from '../src/core/wasm-module';
import { firstDifference } from './helpers';

/**
 * The native backend's sparse products (native/nnt_sparse.c): the wasm module's bits, fused
 * or not as its variant is, on every instruction set the processor has, on one thread and
 * split over two; and a wrong call throws before the kernel follows a bad index.
 */
const blas = loadBlas().addon;
const isa = blas?.sparseIsa() ?? '';
const made: Kernels[] = [];
afterAll(() => {
  made.forEach((k) => k.dispose?.());
  blas?.useSparseIsa('');
});

function kernels(make: () => Kernels): Kernels {
  const k = make();
  made.push(k);
  return k;
}

/** A rows×cols batch of bytes (a fifth nonzero, some rows and columns empty) as a SparseMatrix of k. */
function batch(k: Kernels, rng: Rng, rows: number, cols: number): SparseMatrix {
  const src = new Uint8Array(rows * cols);
  for (let i = 0; i < src.length; i++) {
    const r = Math.floor(i / cols), c = i % cols;
    src[i] = r % 7 === 3 || c % 5 === 1 || rng.uniform() < 0.8 ? 0 : 1 + Math.floor(rng.uniform() * 255);
  }
  const x = allocSparseMatrix(k, rows, cols);
  const table = Float64Array.from({ length: 256 }, (_, b) => (b / 255) * (b % 3 === 0 ? -1 : 1));
  k.gatherSparse(src, Array.from({ length: rows }, (_, i) => i), 0, rows, cols, table, x);
  return x;
}

/** Both products of one batch on k: X·W and Xᵀ·dY, copied out. */
function products(k: Kernels, rows: number, cols: number, n: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const x = batch(k, rng, rows, cols);
  const w = k.alloc(cols * n), dy = k.alloc(rows * n);
  for (const a of [w, dy]) for (let i = 0; i < a.length; i++) a[i] = rng.uniform() * 2 - 1;
  const y = k.alloc(rows * n).fill(NaN), dw = k.alloc(cols * n).fill(NaN);
  k.sparseMatmul(x, w, y, n);
  k.sparseMatmulTransA(x, dy, dw, n);
  return [Float64Array.from(y), Float64Array.from(dw)];
}

// [100, 784, 50] and [40, 600, 13]: Xᵀ·dY reads each row of dY often enough to copy it to aligned rows first (nnt_sparse.c).
const SIZES: [number, number, number][] = [[1, 1, 1], [5, 9, 3], [7, 30, 4], [33, 100, 7], [100, 784, 50], [40, 600, 13], [21, 64, 97], [9, 40, 130], [2, 20, 24]];
const ISAS = isa === 'avx512' ? ['avx512', 'avx2'] : isa ? [isa] : [];

if (!isa) {
  test('without the addon or AVX2, the sparse products stay on WebAssembly', () => {
    expect(blas === undefined || blas.sparseIsa() === '').toBe(true);
  });
} else {
  describe.each(ISAS)('on %s', (name) => {
    beforeAll(() => expect(blas!.useSparseIsa(name)).toBe(name));
    test.each(wasmSupport())('%s: the wasm module\'s bits, on one thread and split over two', (variant: WasmVariant) => {
      const { module } = loadKernelModule(variant);
      const wasm = kernels(() => new WasmKernels(module, variant, 1));
      const one = kernels(() => new NativeKernels(module, variant, 1, blas!, 0, {}));
      const split = { split: true, windowCalls: Infinity };
      const two = new NativeKernels(module, variant, 2, blas!, 0, split, require.resolve('../native/build/Release/nnt_blas.node'));
      made.push(two);
      const start = jest.spyOn(two['threads'], 'start');
      for (const [rows, cols, n] of SIZES) {
        const expected = products(wasm, rows, cols, n, rows + n);
        for (const k of [one, two]) {
          const got = products(k, rows, cols, n, rows + n);
          expect([rows, cols, n, ...got.map((g, i) => firstDifference(g, expected[i]))]).toEqual([rows, cols, n, -1, -1]);
        }
      }
      expect(start).toHaveBeenCalled(); // the larger products went to the worker in part
    });
  });

  test('a wrong call throws and writes nothing: starts outside the entries, an index past B, C over B, wrong types', () => {
    blas!.useSparseIsa('');
    const start = Int32Array.from([0, 2, 3]), entry = Int32Array.from([0 * 256 + 1, 2 * 256 + 2, 1 * 256 + 3]);
    const table = Float64Array.from({ length: 256 }, (_, b) => b);
    const b = new Float64Array(3 * 4).fill(1), guard = new Float64Array(12).fill(7), c = guard.subarray(0, 8);
    const call = (s: Int32Array = start, e: Int32Array = entry, bb: Float64Array = b, cc: Float64Array = c, to = 2, n = 4) => () => blas!.listProducts(s, e, 0, to, 3, table, bb, cc, n, true);
    expect(call(Int32Array.from([0, 4, 3]))).toThrow(/^sparse matrix: a list starts outside its entries$/);
    expect(call(Int32Array.from([0, 2, 1]))).toThrow(/^sparse matrix: a list starts outside its entries$/);
    expect(call(start, Int32Array.from([0, 3 * 256 + 2, 256]))).toThrow(/^sparse matrix: an entry lies outside the matrix$/);
    expect(call(start, Int32Array.from([0, -1, 256]))).toThrow(/^sparse matrix: an entry lies outside the matrix$/);
    expect(call(start, entry, b, guard.subarray(0, 7))).toThrow(/^C has 7 values, the kernel needs 8$/);
    expect(call(start, entry, b, b.subarray(0, 8))).toThrow(/^C overlaps B or the table$/);
    expect(call(start, entry, b, c, 3)).toThrow(/^start has 3 values, the kernel needs 4$/);
    expect(call(start, entry, b.subarray(0, 11))).toThrow(/^B has 11 values, the kernel needs 12$/);
    expect(call(Float64Array.from(start) as unknown as Int32Array)).toThrow(/^start must be an Int32Array$/);
    expect(Array.from(guard)).toEqual(new Array(12).fill(7));
    call()();
    expect(Array.from(c)).toEqual([1 + 2, 1 + 2, 1 + 2, 1 + 2, 3, 3, 3, 3]);
  });
}

if (blas) {
  describe('the native gather (native/nnt_gather.c)', () => {
    /** Bytes with a fifth nonzero, some rows and columns empty. */
    function bytes(rng: Rng, rows: number, cols: number): Uint8Array {
      return Uint8Array.from({ length: rows * cols }, (_, i) =>
        Math.floor(i / cols) % 7 === 3 || i % cols % 5 === 1 || rng.uniform() < 0.8 ? 0 : 1 + Math.floor(rng.uniform() * 255));
    }
    const table = Float64Array.from({ length: 256 }, (_, b) => b / 255);

    /** A gathered batch's integers: both lists' starts and entries, as far as they are used. */
    function lists(x: SparseMatrix): number[][] {
      const used = (l: SparseMatrix['byRow'], count: number) => [Array.from(l.start.subarray(0, count + 1)), Array.from(l.entry.subarray(0, l.start[count]))];
      return [[x.rows, x.cols], ...used(x.byRow, x.rows), ...used(x.byColumn, x.cols)];
    }

    test.each(wasmSupport())('%s: the wasm gather\'s lists, batch after batch, from images in the memory and outside it', (variant: WasmVariant) => {
      const { module } = loadKernelModule(variant);
      const wasm = kernels(() => new WasmKernels(module, variant, 1));
      const native = kernels(() => new NativeKernels(module, variant, 1, blas!, 0, {}));
      const rng = new Rng(7);
      for (const [count, cols, rows] of [[50, 784, 20], [9, 30, 9], [40, 17, 1], [6, 5, 6]]) {
        const outside = bytes(rng, count, cols);
        // The same bytes shifted by a row, in the wasm memory (where the training images are placed when they fit).
        const inside = (native as unknown as { place: { heap: { allocBytes(n: number): Uint8Array } } }).place.heap.allocBytes(count * cols);
        inside.forEach((_, i) => (inside[i] = outside[(i + cols) % outside.length]));
        const sources = [outside, inside];
        const order = Int32Array.from({ length: 2 * count }, (_, i) => (i * 7 + 3) % count);
        for (const src of sources) {
          const a = allocSparseMatrix(wasm, rows, cols), b = allocSparseMatrix(native, rows, cols);
          for (let start = 0; start + rows <= order.length; start += rows) {
            wasm.gatherSparse(src, order, start, rows, cols, table, a);
            native.gatherSparse(src, order, start, rows, cols, table, b);
            expect(lists(b)).toEqual(lists(a));
          }
        }
      }
    });

    test('a wrong call throws before it follows a bad index, and writes nowhere else', () => {
      // The listing: row 0 = columns 0 and 2, row 1 = column 1, row 2 empty.
      const starts = Int32Array.from([0, 2, 3, 3]), entries = Int32Array.from([0 * 256 + 9, 2 * 256 + 8, 1 * 256 + 7]);
      // One array cut into the outputs (rows ≤ 3, room for 4 entries, 3 columns); after index 19, nothing may change.
      const guard = new Int32Array(40);
      const at = (from: number, to: number) => guard.subarray(from, to);
      const gather = (ids: number[], { s = starts, cols = 3, rowEntry = at(4, 8), colStart = at(11, 15), nextIds = Int32Array.from([2, 99, -1]), nextRows = 3 } = {}) => () =>
        blas!.gatherLists(s, entries, Int32Array.from(ids), ids.length, cols, at(0, 4), rowEntry, at(8, 11), colStart, at(15, 19), nextIds, nextRows);
      guard.fill(-5);
      expect(gather([0, 3])).toThrow(/^gather: a row index lies outside the listed rows$/);
      expect(gather([-1, 0])).toThrow(/^gather: a row index lies outside the listed rows$/);
      expect(gather([0, 1], { s: Int32Array.from([0, 2, 9, 3]) })).toThrow(/^gather: a row's list lies outside its entries$/);
      expect(gather([0, 1], { s: Int32Array.from([2, 0, 3, 3]) })).toThrow(/^gather: a row's list lies outside its entries$/);
      expect(gather([0, 0, 1], { rowEntry: at(4, 8) })).toThrow(/^gather: the lists need more entries than the output has room for$/);
      expect(gather([0, 1], { colStart: at(11, 14) })).toThrow(/^colStart has 3 values, the kernel needs 4$/);
      expect(gather([0], { nextIds: new Int32Array(0), nextRows: 1 })).toThrow(/^nextIds has 0 values, the kernel needs 1$/);
      expect(Array.from(guard)).toEqual(new Array(40).fill(-5)); // nothing written
      expect(gather([0, 1], { cols: 2 })).toThrow(/^gather: an entry's column lies outside the matrix$/);
      expect(Array.from(at(19, 40))).toEqual(new Array(21).fill(-5));
      gather([2, 0, 1])(); // the next ids include rows that do not exist: they are not prefetched, and not an error
      expect([at(0, 4), at(4, 7), at(11, 15), at(15, 18)].map((a) => Array.from(a))).toEqual([
        [0, 0, 2, 3], [9, 2 * 256 + 8, 1 * 256 + 7], [0, 1, 2, 3], [1 * 256 + 9, 2 * 256 + 7, 1 * 256 + 8],
      ]);
      expect(Array.from(at(19, 40))).toEqual(new Array(21).fill(-5));
    });
  });
}
