import { Rng } from '../src/core/rng';
import { tensor, type Tensor } from '../src/core/tensor';

/** A tensor of seeded uniform values in [lo, hi). */
export function randomTensor(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = lo + (hi - lo) * rng.uniform();
  return t;
}

export function randomLabels(n: number, classes: number, rng: Rng): Int32Array {
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) t[i] = rng.int(classes);
  return t;
}

/**
 * The first index where two arrays differ in bits (Object.is: +0 and −0 differ, NaN equals
 * NaN), or −1 when they are the same length and bit for bit equal; `expect(...).toBe(-1)` is
 * far faster than toEqual on tens of thousands of values.
 */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return i;
  return -1;
}
