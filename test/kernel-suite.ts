import { exp } from '../src/core/exp';
import { Rng } from '../src/core/rng';
import type { Kernels, UpdateRule } from '../src/core/kernels';
import { allocSparseMatrix, packEntry, toDense } from '../src/core/sparse';
import { tsKernels } from '../src/core/ts-kernels';
import { firstDifference, randomTensor } from './helpers';

/** The definition, entry by entry: C[i][j] = Σ_p A[i][p]·B[p][j]. */
function naive(a: Float64Array, b: Float64Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

export function kernelSuite(kernels: Kernels) {
  const rng = new Rng(3);
  // One expect per array, not per entry: tens of thousands of expects take seconds.
  const close = (x: Float64Array, y: Float64Array) => {
    expect(x.length).toBe(y.length);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
    expect(worst).toBeLessThan(1e-12);
  };
  test.each([[1, 1, 1], [3, 5, 2], [7, 13, 11], [100, 784, 50], [6, 300, 270]])('matmul %i×%i · %i', (m, k, n) => {
    const a = randomTensor([m, k], rng).data, b = randomTensor([k, n], rng).data;
    const c = kernels.alloc(m * n).fill(NaN);
    kernels.matmul(a, b, c, m, k, n);
    close(c, naive(a, b, m, k, n));
  });
  test.each([[3, 5, 2], [9, 13, 7], [100, 784, 50], [300, 5, 270]])('matmulTransA: Aᵀ·B with A %i×%i, B n=%i', (m, k, n) => {
    const a = randomTensor([m, k], rng).data, b = randomTensor([m, n], rng).data;
    const c = kernels.alloc(k * n).fill(NaN);
    kernels.matmulTransA(a, b, c, m, k, n);
    close(c, naive(a, b, k, m, n, true, false));
  });
  test.each([[3, 5, 2], [9, 13, 7], [100, 50, 784], [5, 300, 270]])('matmulTransB: A·Bᵀ with A %i×%i, B k=%i', (m, n, k) => {
    const a = randomTensor([m, n], rng).data, b = randomTensor([k, n], rng).data;
    const c = kernels.alloc(m * k).fill(NaN);
    kernels.matmulTransB(a, b, c, m, n, k);
    close(c, naive(a, b, m, n, k, false, true));
  });
  test('addRowVector, columnSums, softmaxRows', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
    kernels.addRowVector(x, Float64Array.from([10, 20, 30]), 2, 3);
    expect(Array.from(x)).toEqual([11, 22, 33, 14, 25, 36]);
    const sums = kernels.alloc(3);
    kernels.columnSums(x, sums, 2, 3);
    expect(Array.from(sums)).toEqual([25, 47, 69]);
    const y = kernels.alloc(4);
    kernels.softmaxRows(Float64Array.from([0, Math.log(3), 1000, 1000]), y, 2, 2);
    [0.25, 0.75, 0.5, 0.5].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 14));
  });

  /** Each array twice: allocated by the backend (in its memory) and as a plain Float64Array. */
  const homes = [(n: number) => kernels.alloc(n), (n: number) => new Float64Array(n)];

  test.each([0, 1, 2, 5, 8, 9, 39760])('addScaled: y += alpha·x over %i values', (n) => {
    for (const home of homes) {
      const x = home(n + 3), y = home(n + 3);
      for (let i = 0; i < n + 3; i++) [x[i], y[i]] = [rng.uniform() - 0.5, rng.uniform() - 0.5];
      const expected = Float64Array.from(y, (v, i) => (i < n ? v - 0.1 * x[i] : v));
      kernels.addScaled(y, x, -0.1, n);
      close(y, expected); // entries past n untouched: exactly equal
    }
  });

  const rules: UpdateRule[] = [
    { kind: 'momentum', mu: 0.9, lr: 0.01 },
    { kind: 'nesterov', mu: 0.9, lr: 0.01 },
    { kind: 'adagrad', lr: 0.01, eps: 1e-7 },
    { kind: 'rmsprop', rho: 0.99, lr: 0.01, eps: 1e-7 },
    { kind: 'adam', b1: 0.9, b2: 0.999, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3, lr: 0.001, eps: 1e-8 },
  ];
  test.each(rules.map((rule) => [rule.kind, rule] as const))('updateWeights (%s): three steps give the bits of the reference loops, past n untouched', (_kind, rule) => {
    for (const n of [0, 1, 6, 39761]) {
      for (const home of homes) {
        const make = (scale: number) => {
          const a = home(n + 2);
          for (let i = 0; i < n + 2; i++) a[i] = scale * (rng.uniform() - 0.5);
          return a;
        };
        const w = make(1), g = make(1), s = make(rule.kind === 'adagrad' || rule.kind === 'rmsprop' ? 0 : 0.1), t = make(0).fill(0.01);
        const copies = [w, g, s, t].map((a) => Float64Array.from(a)), before = Float64Array.from(w);
        for (let step = 0; step < 3; step++) {
          kernels.updateWeights(rule, w, g, s, t, n);
          tsKernels.updateWeights(rule, copies[0], copies[1], copies[2], copies[3], n);
        }
        expect([firstDifference(w, copies[0]), firstDifference(s, copies[2]), firstDifference(t, copies[3])]).toEqual([-1, -1, -1]);
        if (n > 0) expect(w[0]).not.toBe(before[0]); // the steps did change the weights
      }
    }
  });

  test.each([1, 2, 7, 5000])('reluForward, reluBackward over %i values (signed zeros and NaN included)', (n) => {
    for (const home of homes) {
      const x = home(n), y = home(n), dy = home(n), dx = home(n);
      const special = [0, -0, NaN, -1e-300, 1e-300, Infinity, -Infinity];
      for (let i = 0; i < n; i++) {
        x[i] = i < special.length ? special[i] : rng.uniform() - 0.5;
        dy[i] = rng.uniform() - 0.5;
      }
      kernels.reluForward(x, y, n);
      kernels.reluBackward(y, dy, dx, n);
      // ReLU of −0 is +0, which firstDifference tells from −0.
      expect(firstDifference(y, Float64Array.from(x, (v) => (v > 0 ? v : 0)))).toBe(-1);
      expect(firstDifference(dx, Float64Array.from(dy, (v, i) => (x[i] > 0 ? v : 0)))).toBe(-1);
      if (n > 1) expect(Object.is(y[1], 0)).toBe(true);
    }
  });

  // The other element-wise layers: every backend gives the reference's bits (no FMA in them).
  const values = (home: (n: number) => Float64Array, n: number, scale = 1) => {
    const a = home(n);
    for (let i = 0; i < n; i++) a[i] = scale * (rng.uniform() - 0.5);
    return a;
  };
  test.each([1, 2, 7, 5000, 40001])('sigmoidForward, sigmoidBackward, applyMask over %i values', (n) => {
    for (const home of homes) {
      const x = values(home, n, 20), dy = values(home, n), y = home(n + 1).fill(NaN), dx = home(n + 1).fill(NaN);
      const special = [0, -0, 800, -800, Infinity, -Infinity];
      for (let i = 0; i < Math.min(n, special.length); i++) x[i] = special[i];
      kernels.sigmoidForward(x, y, n);
      kernels.sigmoidBackward(y, dy, dx, n);
      expect(firstDifference(y.subarray(0, n), Float64Array.from(x, (v) => 1 / (1 + exp(-v))))).toBe(-1);
      expect(firstDifference(dx.subarray(0, n), Float64Array.from(dy, (v, i) => v * (1 - y[i]) * y[i]))).toBe(-1);
      expect([y[n], dx[n]]).toEqual([NaN, NaN]); // past n untouched
      const mask = home(n);
      for (let i = 0; i < n; i++) mask[i] = rng.uniform() < 0.3 ? 0 : 1 / 0.7;
      const masked = home(n + 1).fill(NaN);
      kernels.applyMask(x, mask, masked, n);
      expect(firstDifference(masked.subarray(0, n), Float64Array.from(x, (v, i) => v * mask[i]))).toBe(-1);
      expect(masked[n]).toBeNaN();
    }
  });

  test.each([[1, 1], [3, 5], [100, 50], [7, 33], [2, 2]])('batchNorm kernels on %i×%i: the reference\'s bits, training and evaluation', (rows, cols) => {
    for (const home of homes) {
      const x = values(home, rows * cols, 4), dy = values(home, rows * cols), gamma = values(home, cols, 3), beta = values(home, cols);
      const [mean, variance, std] = [home(cols), home(cols), home(cols)];
      kernels.batchNormStats(x, mean, variance, rows, cols);
      const [refMean, refVariance] = [new Float64Array(cols), new Float64Array(cols)];
      tsKernels.batchNormStats(x, refMean, refVariance, rows, cols);
      expect([firstDifference(mean, refMean), firstDifference(variance, refVariance)]).toEqual([-1, -1]);
      close(mean, Float64Array.from(refMean, (_, j) => Array.from({ length: rows }, (_, i) => x[i * cols + j]).reduce((a, b) => a + b) / rows));
      for (let j = 0; j < cols; j++) std[j] = Math.sqrt(variance[j] + 1e-6);
      const made = () => [home(rows * cols), home(rows * cols), home(rows * cols)];
      const [xc, xn, out] = made(), [refXc, refXn, refOut] = made();
      kernels.batchNormNormalize(x, mean, std, gamma, beta, xc, xn, out, rows, cols);
      tsKernels.batchNormNormalize(x, mean, std, gamma, beta, refXc, refXn, refOut, rows, cols);
      expect([firstDifference(xc, refXc), firstDifference(xn, refXn), firstDifference(out, refOut)]).toEqual([-1, -1, -1]);
      for (const trained of [true, false]) {
        const grads = () => [home(cols), home(cols), home(2 * cols), home(rows * cols).fill(NaN)];
        const [dgamma, dbeta, sums, dx] = grads(), [refDgamma, refDbeta, refSums, refDx] = grads();
        kernels.batchNormBackward(dy, xc, xn, gamma, std, dgamma, dbeta, sums, dx, rows, cols, trained);
        tsKernels.batchNormBackward(dy, xc, xn, gamma, std, refDgamma, refDbeta, refSums, refDx, rows, cols, trained);
        expect([firstDifference(dgamma, refDgamma), firstDifference(dbeta, refDbeta), firstDifference(dx, refDx)]).toEqual([-1, -1, -1]);
        // Trained, each feature's dx sums to 0 (the mean was subtracted); not after an evaluation pass.
        if (rows > 1) expect(Math.abs(Array.from({ length: rows }, (_, i) => dx[i * cols]).reduce((a, b) => a + b)) < 1e-9).toBe(trained);
      }
    }
  });

  test.each([[3, 1], [4, 5], [100, 784], [6, 33], [2, 16]])('gatherRows: %i rows of %i bytes through a table', (rows, cols) => {
    const count = 50;
    const src = new Uint8Array(count * cols);
    // Runs of zeros, as in images, and bytes of every size.
    for (let i = 0; i < src.length; i++) src[i] = rng.uniform() < 0.7 ? 0 : Math.floor(rng.uniform() * 256);
    const table = Float64Array.from({ length: 256 }, (_, b) => b / 255);
    const picks = Array.from({ length: rows + 2 }, () => rng.int(count));
    for (const home of homes) {
      for (const indices of [picks, Int32Array.from(picks)]) {
        const out = home(rows * cols + 1).fill(NaN);
        kernels.gatherRows(src, indices, 2, rows, cols, table, out);
        const expected = Float64Array.from(out, (_, i) => (i < rows * cols ? src[picks[2 + Math.floor(i / cols)] * cols + (i % cols)] / 255 : NaN));
        expect(firstDifference(out, expected)).toBe(-1);
      }
    }
    // Any table: zero bytes need not become 0.
    const shifted = Float64Array.from({ length: 256 }, (_, b) => b - 1);
    const out = kernels.alloc(rows * cols);
    kernels.gatherRows(src, picks, 0, rows, cols, shifted, out);
    expect(firstDifference(out, Float64Array.from(out, (_, i) => src[picks[Math.floor(i / cols)] * cols + (i % cols)] - 1))).toBe(-1);
  });

  /** rows×cols bytes with runs of zeros, as in images, and a sparse batch of picked rows. */
  function sparseBatch(rows: number, cols: number, zeros: number) {
    const count = rows + 7;
    const src = new Uint8Array(count * cols);
    for (let i = 0; i < src.length; i++) src[i] = rng.uniform() < zeros ? 0 : 1 + Math.floor(rng.uniform() * 255);
    const table = Float64Array.from({ length: 256 }, (_, b) => b / 255);
    const picks = Array.from({ length: rows }, () => rng.int(count));
    const x = allocSparseMatrix(kernels, rows, cols);
    kernels.gatherSparse(src, picks, 0, rows, cols, table, x);
    const dense = Float64Array.from({ length: rows * cols }, (_, i) => table[src[picks[Math.floor(i / cols)] * cols + (i % cols)]]);
    return { src, table, picks, x, dense };
  }

  test.each([[1, 1, 0.5], [3, 17, 0.7], [5, 40, 0], [100, 784, 0.81], [7, 33, 1]])(
    'gatherSparse: %i rows of %i bytes (zeros %f) list exactly the nonzero pixels, by row and by column',
    (rows, cols, zeros) => {
      const { x, dense } = sparseBatch(rows, cols, zeros);
      expect([x.rows, x.cols]).toEqual([rows, cols]);
      expect(firstDifference(toDense(x).data, dense)).toBe(-1);
      const entries = dense.filter((v) => v !== 0).length;
      expect([x.byRow.start[rows], x.byColumn.start[cols]]).toEqual([entries, entries]);
      // Each list in increasing index order, and the column lists hold the same entries.
      const unordered: number[] = [], wrong: number[] = [];
      for (const [lists, count] of [[x.byRow, rows], [x.byColumn, cols]] as const) {
        for (let k = 0; k < count; k++) {
          for (let t = lists.start[k] + 1; t < lists.start[k + 1]; t++) if (!((lists.entry[t] >>> 8) > (lists.entry[t - 1] >>> 8))) unordered.push(t);
        }
      }
      for (let q = 0; q < cols; q++) {
        for (let t = x.byColumn.start[q]; t < x.byColumn.start[q + 1]; t++) {
          const e = x.byColumn.entry[t];
          if (x.table[e & 255] !== dense[(e >>> 8) * cols + q]) wrong.push(t);
        }
      }
      expect(unordered).toEqual([]);
      expect(wrong).toEqual([]);
    },
  );

  test('gatherSparse: bytes larger than a few megabytes, or in the backend\'s memory, or read with another row length, give the reference batch', () => {
    const cols = 784, count = 6000; // 4.7 MB: more than one piece, where a backend copies bytes in pieces
    const big = new Uint8Array(count * cols);
    for (let i = 0; i < big.length; i += 1 + Math.floor(rng.uniform() * 9)) big[i] = 1 + Math.floor(rng.uniform() * 255);
    const table = Float64Array.from({ length: 256 }, (_, b) => b / 255);
    const picks = Array.from({ length: 64 }, () => rng.int(count));
    const expected = allocSparseMatrix(tsKernels, 64, cols);
    tsKernels.gatherSparse(big, picks, 0, 64, cols, table, expected);
    const x = allocSparseMatrix(kernels, 64, cols);
    kernels.gatherSparse(big, picks, 0, 64, cols, table, x);
    expect(firstDifference(toDense(x).data, toDense(expected).data)).toBe(-1);
    expect(firstDifference(x.byColumn.entry.subarray(0, x.byColumn.start[cols]), expected.byColumn.entry.subarray(0, expected.byColumn.start[cols]))).toBe(-1);
    // The same bytes in the backend's own memory (a Uint8Array view of a Float64Array of it).
    const inside = kernels.alloc(big.length / 8);
    const insideBytes = new Uint8Array(inside.buffer, inside.byteOffset, big.length);
    insideBytes.set(big);
    kernels.gatherSparse(insideBytes, picks, 0, 64, cols, table, x);
    expect(firstDifference(toDense(x).data, toDense(expected).data)).toBe(-1);
    // The same array read as rows of 392 bytes.
    const half = allocSparseMatrix(kernels, 64, 392), halfExpected = allocSparseMatrix(tsKernels, 64, 392);
    kernels.gatherSparse(big, picks, 0, 64, 392, table, half);
    tsKernels.gatherSparse(big, picks, 0, 64, 392, table, halfExpected);
    expect(firstDifference(toDense(half).data, toDense(halfExpected).data)).toBe(-1);
  });

  test('gatherSparseLater, where there are worker threads: after finishBackground, the batch gatherSparse gives', () => {
    if (!kernels.gatherSparseLater) {
      // Only wasm backends with worker threads have it (native gathers on the caller, in the addon).
      expect(kernels.name).toMatch(/^native-|^(?!.*×[2-9])/);
      return;
    }
    const { src, table, picks, x } = sparseBatch(100, 784, 0.81);
    const entriesOf = (m: typeof x) => [Array.from(m.byRow.start.subarray(0, 101)), Array.from(m.byRow.entry.subarray(0, m.byRow.start[100])),
      Array.from(m.byColumn.start.subarray(0, 785)), Array.from(m.byColumn.entry.subarray(0, m.byColumn.start[784]))];
    // Each of the four lists: where it first differs (−1: equal). toEqual takes seconds on these lengths.
    const sameEntries = (m: typeof x, n: typeof x) => entriesOf(m).map((list, i) => firstDifference(list, entriesOf(n)[i]));
    const later = allocSparseMatrix(kernels, 100, 784);
    // With a product split over the threads in between: the gather runs on a worker after it.
    kernels.gatherSparseLater(src, picks, 0, 100, 784, table, later);
    const w = randomTensor([784, 50], rng).data, out = kernels.alloc(100 * 50);
    kernels.sparseMatmul(x, w, out, 50);
    kernels.sparseMatmul(x, w, out, 50); // wants the worker while the gather may hold it
    kernels.finishBackground!();
    expect(sameEntries(later, x)).toEqual([-1, -1, -1, -1]);
    // With nothing in between, finishBackground gathers on the calling thread; a second
    // gatherSparseLater finishes the first one before it starts.
    const reversed = [...picks].reverse(), expected = allocSparseMatrix(kernels, 100, 784);
    kernels.gatherSparse(src, reversed, 0, 100, 784, table, expected);
    later.byRow.entry.fill(-1);
    kernels.gatherSparseLater(src, picks, 0, 100, 784, table, later);
    const second = allocSparseMatrix(kernels, 100, 784);
    kernels.gatherSparseLater(src, reversed, 0, 100, 784, table, second);
    expect(sameEntries(later, x)).toEqual([-1, -1, -1, -1]);
    kernels.finishBackground!();
    expect(sameEntries(second, expected)).toEqual([-1, -1, -1, -1]);
    kernels.finishBackground!(); // nothing left: returns at once
  });

  test.each([[1, 1, 1], [3, 17, 5], [6, 40, 9], [100, 784, 50], [9, 20, 26], [4, 12, 2], [5, 30, 200], [3, 10, 18], [4, 12, 100]])(
    'sparseMatmul and sparseMatmulTransA: X %i×%i (sparse), n=%i, as the dense products',
    (m, k, n) => {
      const { x, dense } = sparseBatch(m, k, 0.8);
      const w = randomTensor([k, n], rng).data, dy = randomTensor([m, n], rng).data;
      const out = kernels.alloc(m * n).fill(NaN), dw = kernels.alloc(k * n).fill(NaN);
      kernels.sparseMatmul(x, w, out, n);
      close(out, naive(dense, w, m, k, n));
      kernels.sparseMatmulTransA(x, dy, dw, n);
      close(dw, naive(dense, dy, k, m, n, true, false));
      // Plain SIMD on one thread adds the same terms in the same order as the reference: its bits.
      if (/^wasm-simd ×1 /.test(kernels.name)) {
        const ref = new Float64Array(m * n), refDw = new Float64Array(k * n);
        tsKernels.sparseMatmul(x, w, ref, n);
        tsKernels.sparseMatmulTransA(x, dy, refDw, n);
        expect([firstDifference(out, ref), firstDifference(dw, refDw)]).toEqual([-1, -1]);
      }
      // Operands from outside the backend's memory give the same result.
      const plainOut = new Float64Array(m * n);
      kernels.sparseMatmul(x, Float64Array.from(w), plainOut, n);
      expect(firstDifference(plainOut, out)).toBe(-1);
    },
  );

  test('the sparse kernels refuse indices that point outside the matrix', () => {
    const { x, src, table, picks } = sparseBatch(4, 10, 0.5);
    const w = kernels.alloc(10 * 3), c = kernels.alloc(4 * 3);
    const entries = x.byRow.start[4];
    const inColumn0 = x.byColumn.entry[0], inRow0 = x.byRow.entry[0];
    x.byColumn.entry[0] = packEntry(4, inColumn0 & 255); // a sample past the last
    expect(() => kernels.sparseMatmulTransA(x, kernels.alloc(12), kernels.alloc(30), 3)).toThrow(RangeError);
    x.byColumn.entry[0] = inColumn0;
    x.byRow.entry[0] = -1;
    expect(() => kernels.sparseMatmul(x, w, c, 3)).toThrow(RangeError);
    x.byRow.entry[0] = packEntry(10, inRow0 & 255); // a column past the last
    expect(() => kernels.sparseMatmul(x, w, c, 3)).toThrow(RangeError);
    x.byRow.entry[0] = inRow0;
    expect(() => kernels.gatherSparse(src, picks, 0, 4, 10, Float64Array.from(table, (v) => v + 1), x)).toThrow(/table\[0\]/);
    expect(() => kernels.gatherSparse(src, picks, 0, 4, 12, table, x)).toThrow(RangeError); // no room
    expect(x.byRow.start[4]).toBe(entries);
    kernels.sparseMatmul(x, w, c, 3);
  });

  test.each([[1, 10], [100, 10], [7, 3], [6, 1], [0, 4]])('softmaxRows on %i×%i: the reference\'s bits, with the log-sum-exp', (rows, cols) => {
    for (const home of homes) {
      const x = values(home, rows * cols, 60);
      const special = [-Infinity, 800, -800, NaN, 1e-9, 0];
      for (let i = 0; i < Math.min(rows * cols, special.length); i++) x[i * 7] = special[i];
      const y = home(rows * cols + 1).fill(NaN), lse = new Float64Array(rows + 1).fill(NaN);
      const refY = new Float64Array(rows * cols), refLse = new Float64Array(rows);
      kernels.softmaxRows(x, y, rows, cols, lse);
      tsKernels.softmaxRows(x, refY, rows, cols, refLse);
      expect([firstDifference(y.subarray(0, rows * cols), refY), firstDifference(lse.subarray(0, rows), refLse)]).toEqual([-1, -1]);
      expect([y[rows * cols], lse[rows]]).toEqual([NaN, NaN]); // past the rows untouched
    }
  });

  test('softmaxRows: the reference\'s bits where e^x changes branch (fdlibm\'s thresholds, ties of k, underflow)', () => {
    const k = kernels;
    const at = new DataView(new ArrayBuffer(8));
    const near = (high: number) => {
      at.setUint32(0, high);
      at.setUint32(4, Math.floor(rng.uniform() * 2 ** 32));
      return -at.getFloat64(0);
    };
    // Rows of two: 0 (the max) and −d, so e^x sees exactly −d.
    const ds: number[] = [];
    for (const high of [0x3e2fffff, 0x3e300000, 0x3fd62e42, 0x3fd62e43, 0x3ff0a2b1, 0x3ff0a2b2]) for (let i = 0; i < 40; i++) ds.push(near(high));
    for (let j = 0; j < 200; j++) ds.push(-(j + 0.5) * Math.LN2 * (1 + (j % 3 - 1) * 2 ** -52), -740 - j / 10);
    const rows = ds.length, x = new Float64Array(2 * rows);
    ds.forEach((d, i) => (x[2 * i + 1] = d));
    const [y, lse, refY, refLse] = [new Float64Array(2 * rows), new Float64Array(rows), new Float64Array(2 * rows), new Float64Array(rows)];
    k.softmaxRows(x, y, rows, 2, lse);
    tsKernels.softmaxRows(x, refY, rows, 2, refLse);
    expect([firstDifference(y, refY), firstDifference(lse, refLse)]).toEqual([-1, -1]);
  });

  test('softmaxRows gives each row\'s log-sum-exp when asked', () => {
    const x = Float64Array.from([0, Math.log(3), 1000, 1000, -5, 2]);
    const y = kernels.alloc(6), lse = new Float64Array(3);
    kernels.softmaxRows(x, y, 3, 2, lse);
    [Math.log(4), 1000 + Math.log(2), 2 + Math.log(1 + Math.exp(-7))].forEach((v, i) => expect(lse[i]).toBeCloseTo(v, 12));
    [0.25, 0.75, 0.5, 0.5].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 14));
  });
}
