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
}
