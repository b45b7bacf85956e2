/** Small helpers over flat arrays that are not kernels (they are never hot enough to need a backend). */

/** Index of the largest value in each row of x (rows×cols); ties go to the first. */
export function argmaxRows(x: Float64Array, rows: number, cols: number, out: Int32Array = new Int32Array(rows)): Int32Array {
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[row + j] > x[row + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** out[i] = f(x[i]) for every element. */
export function map(x: Float64Array, f: (v: number) => number, out: Float64Array = new Float64Array(x.length)): Float64Array {
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

/** Euclidean norm of a flat array. */
export function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}
