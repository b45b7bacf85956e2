import type { Kernels } from './kernels';
import type { Tensor } from './tensor';

/**
 * A matrix kept as the nonzero entries of each row ("compressed sparse rows", CSR). An MNIST
 * batch is about 81% zeros, and 0·w adds nothing to a sum, so the first layer's two big
 * products (X·W forward, Xᵀ·dY backward) only need the other 19%: handed a batch in this
 * form, they do a fifth of the work and never look at the zeros.
 *
 * The entries of row r are positions rowStart[r] .. rowStart[r + 1] − 1 of `column` and
 * `value`, in increasing column order; rowStart[0] = 0. The arrays may be longer than in use
 * (they are allocated once for the largest batch and reused).
 */
export interface SparseRows {
  rows: number;
  cols: number;
  readonly rowStart: Int32Array;
  readonly column: Int32Array;
  readonly value: Float64Array;
}

export function isSparse(x: Tensor | SparseRows | Float64Array): x is SparseRows {
  return (x as SparseRows).rowStart !== undefined;
}

/** Room for a rows×cols matrix with every entry nonzero, in memory the backend's kernels use. */
export function allocSparseRows(kernels: Kernels, rows: number, cols: number): SparseRows {
  return {
    rows,
    cols,
    rowStart: kernels.allocIndices(rows + 1),
    column: kernels.allocIndices(rows * cols),
    value: kernels.alloc(rows * cols),
  };
}

/**
 * Checks that `out` has room for a gather of rows×cols values, and that the byte table maps
 * 0 to 0 (the gather lists nonzero bytes only): kernels write through raw addresses.
 */
export function checkSparseRoom(out: SparseRows, rows: number, cols: number, table: Float64Array): void {
  if (out.rowStart.length < rows + 1 || out.column.length < rows * cols || out.value.length < rows * cols) {
    const room = Math.min(out.column.length, out.value.length);
    throw new RangeError(`gatherSparseRows: ${rows}×${cols} bytes need room for ${rows} rows and ${rows * cols} entries, the sparse batch has ${out.rowStart.length - 1} and ${room}`);
  }
  if (table[0] !== 0) throw new RangeError(`gatherSparseRows: table[0] must be 0 (zero bytes are not listed), got ${table[0]}`);
}

/** The same matrix written out in full (rows×cols), for code that needs every entry. */
export function toDense(x: SparseRows, out: Float64Array = new Float64Array(x.rows * x.cols)): Tensor {
  const { rows, cols, rowStart, column, value } = x;
  out.fill(0, 0, rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let t = rowStart[r]; t < rowStart[r + 1]; t++) out[r * cols + column[t]] = value[t];
  }
  return { data: out.subarray(0, rows * cols), shape: [rows, cols] };
}
