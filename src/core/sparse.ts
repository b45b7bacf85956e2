import type { Tensor } from './tensor';

/**
 * Lists of the nonzero entries of a matrix, one list per row (or per column): the entries
 * of list k are positions start[k] .. start[k + 1] − 1 of `entry`, in increasing index
 * order; start[0] = 0. Each entry is one 32-bit integer that packs the entry's index (its
 * column in a row's list, its row in a column's) with the code of its value:
 *
 *   entry = index · 256 + code,   index = entry >>> 8,   value = table[entry & 255]
 *
 * The arrays may be longer than in use: they are allocated once, for the largest batch,
 * and reused.
 */
export interface SparseLists {
  readonly start: Int32Array;
  readonly entry: Int32Array;
}

/** Bits of an entry below its index: an entry's value is one of 2^8 = 256 codes. */
export const CODE_BITS = 8;
/** Indices (rows and columns) must lie below this, to fit an entry in 31 bits. */
export const MAX_SPARSE_INDEX = 2 ** (31 - CODE_BITS);

/**
 * A matrix (rows×cols: a batch of `rows` samples of `cols` inputs) kept as its nonzero
 * entries only. An MNIST batch is about 81% zeros, and 0·w adds nothing to a sum, so the
 * first layer's two big products only need the other 19%:
 *
 *   X·W   (forward):  row i of the output sums value · (row q of W) over row i's entries;
 *   Xᵀ·dY (backward): row q of dW sums value · (row i of dY) over column q's entries.
 *
 * The entries are kept twice, by row and by column, so that each product walks lists whose
 * sums it writes once, in the order the dense product adds them: the results are the same.
 *
 * The values are images' bytes b, each standing for table[b] (b/255 for MNIST), so an entry
 * holds its value as a code of 8 bits beside its index: one integer, where an index and a
 * double would take three times the memory traffic to write in the gather and to read in
 * the products. A matrix with other values needs no more than 256 distinct ones.
 */
export interface SparseMatrix {
  rows: number;
  cols: number;
  /** The value of each code (256 entries); table[0] is 0, as code 0 is a zero byte, never listed. */
  readonly table: Float64Array;
  readonly byRow: SparseLists;
  readonly byColumn: SparseLists;
}

export function isSparse(x: Tensor | SparseMatrix | Float64Array): x is SparseMatrix {
  return (x as SparseMatrix).byRow !== undefined;
}

/** Where a SparseMatrix's arrays come from: a backend (Kernels), so that its kernels read them in place. */
export interface IndexAllocator {
  alloc(length: number): Float64Array;
  allocIndices(length: number): Int32Array;
}

/** Room for a rows×cols matrix with every entry nonzero, in memory the backend's kernels use. */
export function allocSparseMatrix(kernels: IndexAllocator, rows: number, cols: number): SparseMatrix {
  if (!(Number.isInteger(rows) && rows >= 0 && rows <= MAX_SPARSE_INDEX && Number.isInteger(cols) && cols >= 0 && cols <= MAX_SPARSE_INDEX)) {
    throw new RangeError(`sparse matrix: ${rows}×${cols} is not a size below ${MAX_SPARSE_INDEX}×${MAX_SPARSE_INDEX}`);
  }
  const lists = (count: number): SparseLists => ({ start: kernels.allocIndices(count + 1), entry: kernels.allocIndices(rows * cols) });
  return { rows, cols, table: kernels.alloc(256), byRow: lists(rows), byColumn: lists(cols) };
}

/** One entry of a SparseLists: its index (column or row) and the code of its value. */
export function packEntry(index: number, code: number): number {
  return (index << CODE_BITS) | code;
}

/**
 * Checks that `out` has room for a gather of rows×cols values, and that the byte table maps
 * 0 to 0 (the gather lists nonzero bytes only): kernels write through raw addresses.
 */
export function checkSparseRoom(out: SparseMatrix, rows: number, cols: number, table: Float64Array): void {
  const { byRow, byColumn } = out;
  const room = Math.min(byRow.entry.length, byColumn.entry.length);
  if (byRow.start.length < rows + 1 || byColumn.start.length < cols + 1 || room < rows * cols) {
    throw new RangeError(
      `gatherSparse: ${rows}×${cols} bytes need room for ${rows} rows, ${cols} columns and ${rows * cols} entries; ` +
        `the sparse batch has ${byRow.start.length - 1}, ${byColumn.start.length - 1} and ${room}`,
    );
  }
  if (rows > MAX_SPARSE_INDEX || cols > MAX_SPARSE_INDEX) throw new RangeError(`gatherSparse: ${rows}×${cols} is larger than a sparse matrix can index`);
  if (table.length < 256 || out.table.length < 256) throw new RangeError('gatherSparse: a byte table has 256 entries');
  if (table[0] !== 0) throw new RangeError(`gatherSparse: table[0] must be 0 (zero bytes are not listed), got ${table[0]}`);
}

/**
 * Checks that the lists of a (by row and by column) claim no more entries than they have
 * room for, and that it has a table; returns the entry count. Whether every start lies
 * within the entries and every index within the matrix is checked by the backends, each in
 * its own way.
 */
export function checkSparseShape(a: SparseMatrix): number {
  const { rows, cols, byRow, byColumn } = a;
  if (!(Number.isInteger(rows) && rows >= 0 && rows <= MAX_SPARSE_INDEX && Number.isInteger(cols) && cols >= 0 && cols <= MAX_SPARSE_INDEX)) {
    throw new RangeError(`sparse matrix: ${rows}×${cols} is not a size below ${MAX_SPARSE_INDEX}×${MAX_SPARSE_INDEX}`);
  }
  if (byRow.start.length < rows + 1 || byColumn.start.length < cols + 1) {
    throw new RangeError(`sparse matrix: ${rows}×${cols} needs ${rows + 1} row starts and ${cols + 1} column starts`);
  }
  if (a.table.length < 256) throw new RangeError(`sparse matrix: its table has ${a.table.length} values, not 256`);
  const entries = byRow.start[rows];
  const room = Math.min(byRow.entry.length, byColumn.entry.length);
  if (!(byRow.start[0] === 0 && byColumn.start[0] === 0 && byColumn.start[cols] === entries && entries >= 0 && entries <= room)) {
    throw new RangeError(`sparse matrix: its rows and columns claim ${entries} and ${byColumn.start[cols]} entries, it has room for ${room}`);
  }
  return entries;
}

/** The same matrix written out in full (rows×cols, row-major), for code that needs every entry. */
export function toDense(x: SparseMatrix, out: Float64Array = new Float64Array(x.rows * x.cols)): Tensor {
  const { rows, cols, byRow, table } = x;
  out.fill(0, 0, rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let t = byRow.start[r]; t < byRow.start[r + 1]; t++) {
      const e = byRow.entry[t];
      out[r * cols + (e >>> CODE_BITS)] = table[e & 255];
    }
  }
  return { data: out.subarray(0, rows * cols), shape: [rows, cols] };
}
