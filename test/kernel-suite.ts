import { Rng } from '../src/core/rng';
import type { Kernels } from '../src/core/kernels';
import { randomTensor } from './helpers';

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
  const close = (x: Float64Array, y: Float64Array) => {
    expect(x.length).toBe(y.length);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1e-12 * (1 + Math.abs(y[i])));
  };
  test.each([[1, 1, 1], [3, 5, 2], [7, 13, 11], [100, 784, 50]])('matmul %i×%i · %i', (m, k, n) => {
    const a = randomTensor([m, k], rng).data, b = randomTensor([k, n], rng).data;
    const c = kernels.alloc(m * n).fill(NaN);
    kernels.matmul(a, b, c, m, k, n);
    close(c, naive(a, b, m, k, n));
  });
  test.each([[3, 5, 2], [9, 13, 7], [100, 784, 50]])('matmulTransA: Aᵀ·B with A %i×%i, B n=%i', (m, k, n) => {
    const a = randomTensor([m, k], rng).data, b = randomTensor([m, n], rng).data;
    const c = kernels.alloc(k * n).fill(NaN);
    kernels.matmulTransA(a, b, c, m, k, n);
    close(c, naive(a, b, k, m, n, true, false));
  });
  test.each([[3, 5, 2], [9, 13, 7], [100, 50, 784]])('matmulTransB: A·Bᵀ with A %i×%i, B k=%i', (m, n, k) => {
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
      // toEqual tells +0 from −0: ReLU of −0 is +0.
      expect(y).toEqual(Float64Array.from(x, (v) => (v > 0 ? v : 0)));
      expect(dx).toEqual(Float64Array.from(dy, (v, i) => (x[i] > 0 ? v : 0)));
      if (n > 1) expect(Object.is(y[1], 0)).toBe(true);
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
        expect(out).toEqual(expected);
      }
    }
    // Any table: zero bytes need not become 0.
    const shifted = Float64Array.from({ length: 256 }, (_, b) => b - 1);
    const out = kernels.alloc(rows * cols);
    kernels.gatherRows(src, picks, 0, rows, cols, shifted, out);
    expect(out).toEqual(Float64Array.from(out, (_, i) => src[picks[Math.floor(i / cols)] * cols + (i % cols)] - 1));
  });

  test('softmaxRows gives each row\'s log-sum-exp when asked', () => {
    const x = Float64Array.from([0, Math.log(3), 1000, 1000, -5, 2]);
    const y = kernels.alloc(6), lse = new Float64Array(3);
    kernels.softmaxRows(x, y, 3, 2, lse);
    [Math.log(4), 1000 + Math.log(2), 2 + Math.log(1 + Math.exp(-7))].forEach((v, i) => expect(lse[i]).toBeCloseTo(v, 12));
    [0.25, 0.75, 0.5, 0.5].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 14));
  });
}
