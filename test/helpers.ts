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
