import type { Kernels } from './kernels';
import type { Tensor } from './tensor';

/**
 * A matrix (rows×cols: a batch of `rows` samples of `cols` inputs) kept as the nonzero entries
 * of each column ("compressed sparse columns"): for every input, the samples where it is not
 * zero, and the values there. An MNIST batch is about 81% zeros, and 0·w adds nothing to a
 * sum, so the first layer's two big products only need the other 19%:
 *
 *   X·W   (forward):  for each input q, add value · (row q of W) to the rows of its samples;
 *   Xᵀ·dY (backward): row q of dW is the sum of value · (row r of dY) over input q's samples.
 *
 * Kept by column rather than by sample because both products then read each row of W (or
 * write each row of dW) once per batch, instead of once per sample that uses it.
 *
 * The entries of column q are positions colStart[q] .. colStart[q + 1] − 1 of `row` and
 * `value`, in increasing row order; colStart[0] = 0. The arrays may be longer than in use
 * (they are allocated once for the largest batch and reused).
 */
export interface SparseColumns {
  rows: number;
  cols: number;
  readonly colStart: Int32Array;
  readonly row: Int32Array;
  readonly value: Float64Array;
}

export function isSparse(x: Tensor | SparseColumns | Float64Array): x is SparseColumns {
  return (x as SparseColumns).colStart !== undefined;
}

/** Room for a rows×cols matrix with every entry nonzero, in memory the backend's kernels use. */
export function allocSparseColumns(kernels: Kernels, rows: number, cols: number): SparseColumns {
  return {
    rows,
    cols,
    colStart: kernels.allocIndices(cols + 1),
    row: kernels.allocIndices(rows * cols),
    value: kernels.alloc(rows * cols),
  };
}

/**
 * Checks that `out` has room for a gather of rows×cols values, and that the byte table maps
 * 0 to 0 (the gather lists nonzero bytes only): kernels write through raw addresses.
 */
export function checkSparseRoom(out: SparseColumns, rows: number, cols: number, table: Float64Array): void {
  const room = Math.min(out.row.length, out.value.length);
  if (out.colStart.length < cols + 1 || room < rows * cols) {
    throw new RangeError(
      `gatherSparseColumns: ${rows}×${cols} bytes need room for ${cols} columns and ${rows * cols} entries, the sparse batch has ${out.colStart.length - 1} and ${room}`,
    );
  }
  if (table[0] !== 0) throw new RangeError(`gatherSparseColumns: table[0] must be 0 (zero bytes are not listed), got ${table[0]}`);
}

/**
 * Checks that a's column starts lie within its entries and its row numbers below a.rows, so
 * that following them stays inside the matrix; returns the entry count. (The WebAssembly
 * backend does the same check as a vector pass.)
 */
export function checkSparseIndices(a: SparseColumns): number {
  const { rows, cols, colStart, row, value } = a;
  if (!(Number.isInteger(cols) && cols >= 0 && colStart.length >= cols + 1 && Number.isInteger(rows) && rows >= 0)) {
    throw new RangeError(`sparse matrix: ${cols} columns need ${cols + 1} column starts, it has ${colStart.length}`);
  }
  const entries = colStart[cols];
  if (!(colStart[0] === 0 && entries >= 0 && entries <= row.length && entries <= value.length)) {
    throw new RangeError(`sparse matrix: its columns claim entries 0..${entries}, it has room for ${Math.min(row.length, value.length)}`);
  }
  return entries;
}

/** The same matrix written out in full (rows×cols, row-major), for code that needs every entry. */
export function toDense(x: SparseColumns, out: Float64Array = new Float64Array(x.rows * x.cols)): Tensor {
  const { rows, cols, colStart, row, value } = x;
  out.fill(0, 0, rows * cols);
  for (let q = 0; q < cols; q++) {
    for (let t = colStart[q]; t < colStart[q + 1]; t++) out[row[t] * cols + q] = value[t];
  }
  return { data: out.subarray(0, rows * cols), shape: [rows, cols] };
}
