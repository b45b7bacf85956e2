import type { WasmVariant } from './backend';
import type { Kernels } from './kernels';
import { checkSparseRoom, type SparseRows } from './sparse';
import { tsKernels } from './ts-kernels';
import { WasmHeap } from './wasm-heap';
import { WorkerPool } from './wasm-pool';

/**
 * The fast backend: the matrix products run in WebAssembly SIMD (wasm/kernels.wat) on
 * arrays that live in a shared WebAssembly memory, split by rows of the result over worker
 * threads. Bias, column sums, the SGD update, ReLU and the batch gather are simple SIMD loops
 * on the calling thread; softmax needs exp, which WebAssembly lacks, and stays the reference
 * TypeScript.
 *
 * Results do not depend on the thread count: each thread computes whole rows of C, and each
 * entry is one sum over the same terms in the same order.
 */

/** The exports of kernels.wat (all addresses are byte offsets into the memory). */
interface KernelExports {
  gemm(
    a: number, ars: number, aqs: number, b: number, bqs: number, c: number, crs: number,
    r0: number, r1: number, nq: number, n: number, list: number,
  ): void;
  sparse_matmul(
    rowStart: number, column: number, value: number, r0: number, r1: number,
    b: number, bqs: number, c: number, crs: number, n: number,
  ): void;
  sparse_transpose(
    rowStart: number, column: number, value: number, rows: number, cols: number,
    tStart: number, tColumn: number, tValue: number,
  ): void;
  max_unsigned(p: number, count: number): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  add_row_vector(x: number, bias: number, rows: number, cols: number): void;
  column_sums(x: number, out: number, rows: number, cols: number): void;
  add_scaled(y: number, x: number, alpha: number, n: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(y: number, dy: number, dx: number, n: number): void;
  gather_rows(src: number, indices: number, rows: number, cols: number, table: number, out: number): void;
  gather_sparse_rows(
    src: number, indices: number, rows: number, cols: number, table: number,
    rowStart: number, column: number, value: number,
  ): void;
}

/** The calls worker threads can run, by number. */
const POOL_FUNCTIONS = ['gemm', 'sparse_matmul', 'gather_rows'] as const;
const GEMM = 0, SPARSE_MATMUL = 1, GATHER_ROWS = 2;

/** Below this many multiply-adds a product runs on the calling thread alone: waking a worker would cost more. */
const MIN_WORK_PER_THREAD = 150_000;
/** Below this many values a gather runs on the calling thread alone. */
const MIN_GATHER_PER_THREAD = 20_000;

/** Scratch slots for operands that are not in the memory, and for Bᵀ. */
const SLOT_A = 0, SLOT_B = 1, SLOT_C = 2, SLOT_BT = 3;
/** Scratch slots of gatherRows: its byte-to-double table, and room for its row indices. */
const SLOT_TABLE = 4, SLOT_INDICES = 5;

export class WasmKernels implements Kernels {
  readonly name: string;
  private readonly heap = new WasmHeap();
  private readonly wasm: KernelExports;
  private readonly pool?: WorkerPool;
  private readonly scratch: Float64Array[] = [];
  /** Per thread: room for gemm's copy of a row of A. */
  private readonly lists: Float64Array[] = [];
  /** The transpose of the last sparse A that sparseMatmulTransA was given (room reused). */
  private readonly transposed: { rows: number; cols: number; rowStart: Int32Array; column: Int32Array; value: Float64Array } = {
    rows: 0, cols: 0, rowStart: new Int32Array(0), column: new Int32Array(0), value: new Float64Array(0),
  };
  private readonly args = new Int32Array(12);
  /** gatherRows's row indices, as the i32s the kernel reads (a view of the SLOT_INDICES scratch). */
  private indices: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Byte arrays from outside the memory that rows were gathered from: a copy of each one's whole buffer, kept while that buffer lives. */
  private readonly byteCopies = new WeakMap<ArrayBufferLike, Uint8Array>();

  constructor(module: WebAssembly.Module, variant: WasmVariant, readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    this.wasm = new WebAssembly.Instance(module, { env: { memory: this.heap.memory } }).exports as unknown as KernelExports;
    if (threads > 1) this.pool = new WorkerPool(module, this.heap.memory, threads - 1, POOL_FUNCTIONS);
    this.name = `wasm-${variant} ×${threads} thread${threads > 1 ? 's' : ''}`;
  }

  alloc(length: number): Float64Array {
    return this.heap.alloc(length);
  }

  allocIndices(length: number): Int32Array {
    return this.heap.allocInt32(length);
  }

  matmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    // Row i of C sums over p: A(i, p) is at a + (i·k + p)·8.
    this.product(a, m * k, k * 8, 8, b, k * n, c, m, k, n);
  }

  matmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    // Row p of C (k×n) sums over the m rows i: Aᵀ(p, i) = A[i][p] is at a + (i·k + p)·8.
    this.product(a, m * k, 8, k * 8, b, m * n, c, k, m, n);
  }

  matmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void {
    // A·Bᵀ with Bᵀ made once (n×k, O(n·k) next to the O(m·n·k) product) is a plain product.
    checkLength('B', b, k * n);
    const bt = this.slot(SLOT_BT, n * k);
    this.wasm.transpose(this.place(b, SLOT_B, k * n, true), bt.byteOffset, k, n);
    this.product(a, m * n, n * 8, 8, bt, n * k, c, m, n, k);
  }

  sparseMatmul(a: SparseRows, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.inMemory(a)) return tsKernels.sparseMatmul(a, b, c, n);
    this.checkSparse(a);
    checkLength('B', b, a.cols * n);
    checkLength('C', c, a.rows * n);
    this.sparseProduct(a, this.place(b, SLOT_B, a.cols * n, true), c, n);
  }

  sparseMatmulTransA(a: SparseRows, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.inMemory(a)) return tsKernels.sparseMatmulTransA(a, b, c, n);
    const entries = this.checkSparse(a);
    checkLength('B', b, a.rows * n);
    checkLength('C', c, a.cols * n);
    // Aᵀ·B is a sparse product with Aᵀ, whose rows (A's columns) list A's rows in order.
    const t = this.transposed;
    if (t.rowStart.length < a.cols + 1) t.rowStart = this.heap.allocInt32(a.cols + 1);
    if (t.column.length < entries) [t.column, t.value] = [this.heap.allocInt32(entries), this.heap.alloc(entries)];
    [t.rows, t.cols] = [a.cols, a.rows];
    this.wasm.sparse_transpose(
      a.rowStart.byteOffset, a.column.byteOffset, a.value.byteOffset, a.rows, a.cols,
      t.rowStart.byteOffset, t.column.byteOffset, t.value.byteOffset,
    );
    this.sparseProduct(t, this.place(b, SLOT_B, a.rows * n, true), c, n);
  }

  addRowVector(x: Float64Array, bias: Float64Array, rows: number, cols: number): void {
    const xOffset = this.heap.offsetOf(x), biasOffset = this.heap.offsetOf(bias);
    // In place on x: only worth it (and only safe) on arrays already in the memory.
    if (xOffset < 0 || biasOffset < 0) return tsKernels.addRowVector(x, bias, rows, cols);
    checkLength('x', x, rows * cols);
    checkLength('bias', bias, cols);
    this.wasm.add_row_vector(xOffset, biasOffset, rows, cols);
  }

  columnSums(x: Float64Array, out: Float64Array, rows: number, cols: number): void {
    const xOffset = this.heap.offsetOf(x), outOffset = this.heap.offsetOf(out);
    if (xOffset < 0 || outOffset < 0) return tsKernels.columnSums(x, out, rows, cols);
    checkLength('x', x, rows * cols);
    checkLength('out', out, cols);
    this.wasm.column_sums(xOffset, outOffset, rows, cols);
  }

  softmaxRows(x: Float64Array, out: Float64Array, rows: number, cols: number, logSumExp?: Float64Array): void {
    tsKernels.softmaxRows(x, out, rows, cols, logSumExp);
  }

  addScaled(y: Float64Array, x: Float64Array, alpha: number, n: number): void {
    const yOffset = this.heap.offsetOf(y), xOffset = this.heap.offsetOf(x);
    if (yOffset < 0 || xOffset < 0) return tsKernels.addScaled(y, x, alpha, n);
    checkLength('y', y, n);
    checkLength('x', x, n);
    this.wasm.add_scaled(yOffset, xOffset, alpha, n);
  }

  reluForward(x: Float64Array, y: Float64Array, n: number): void {
    const xOffset = this.heap.offsetOf(x), yOffset = this.heap.offsetOf(y);
    if (xOffset < 0 || yOffset < 0) return tsKernels.reluForward(x, y, n);
    checkLength('x', x, n);
    checkLength('y', y, n);
    this.wasm.relu_forward(xOffset, yOffset, n);
  }

  reluBackward(y: Float64Array, dy: Float64Array, dx: Float64Array, n: number): void {
    const yOffset = this.heap.offsetOf(y), dyOffset = this.heap.offsetOf(dy), dxOffset = this.heap.offsetOf(dx);
    if (yOffset < 0 || dyOffset < 0 || dxOffset < 0) return tsKernels.reluBackward(y, dy, dx, n);
    checkLength('y', y, n);
    checkLength('dy', dy, n);
    checkLength('dx', dx, n);
    this.wasm.relu_backward(yOffset, dyOffset, dxOffset, n);
  }

  /**
   * The source bytes must be in the memory for the kernel to read them: a byte array from
   * elsewhere (a data set read from a file) has its whole buffer copied in the first time,
   * and the copy is used from then on, so the bytes must not change afterwards.
   */
  gatherRows(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: Float64Array,
  ): void {
    const outOffset = this.heap.offsetOf(out);
    if (outOffset < 0) return tsKernels.gatherRows(src, indices, start, rows, cols, table, out);
    checkLength('out', out, rows * cols);
    const ids = this.rowIndices(src, indices, start, rows, cols);
    const srcOffset = this.bytesInMemory(src);
    if (srcOffset < 0) return tsKernels.gatherRows(src, indices, start, rows, cols, table, out);
    const tableOffset = this.placeTable(table);
    // Large gathers are split by rows over the threads: it is memory traffic, which each core adds to.
    const threads = this.pool ? Math.max(1, Math.min(this.threads, Math.floor((rows * cols) / MIN_GATHER_PER_THREAD))) : 1;
    const part = Math.ceil(rows / threads);
    const args = this.args;
    for (let w = 1; w < threads; w++) {
      const r0 = Math.min(rows, w * part), r1 = Math.min(rows, (w + 1) * part);
      args[0] = srcOffset;
      args[1] = ids.byteOffset + 4 * r0;
      args[2] = r1 - r0;
      args[3] = cols;
      args[4] = tableOffset;
      args[5] = outOffset + 8 * r0 * cols;
      this.pool!.start(w - 1, GATHER_ROWS, args);
    }
    this.wasm.gather_rows(srcOffset, ids.byteOffset, Math.min(rows, part), cols, tableOffset, outOffset);
    for (let w = 1; w < threads; w++) this.pool!.wait(w - 1);
  }

  /** As gatherRows; src is copied into the memory the same way. On one thread: it writes a fifth of gatherRows' bytes. */
  gatherSparseRows(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseRows,
  ): void {
    checkSparseRoom(out, rows, cols, table);
    if (!this.inMemory(out)) return tsKernels.gatherSparseRows(src, indices, start, rows, cols, table, out);
    const ids = this.rowIndices(src, indices, start, rows, cols);
    const srcOffset = this.bytesInMemory(src);
    if (srcOffset < 0) return tsKernels.gatherSparseRows(src, indices, start, rows, cols, table, out);
    this.wasm.gather_sparse_rows(
      srcOffset, ids.byteOffset, rows, cols, this.placeTable(table),
      out.rowStart.byteOffset, out.column.byteOffset, out.value.byteOffset,
    );
    out.rows = rows;
    out.cols = cols;
  }

  /** Stops the worker threads. The kernels still work afterwards, on the calling thread only. */
  dispose(): void {
    this.pool?.dispose();
  }

  /**
   * C (rows×n) = Σ_q A(r, q)·B[q][j], with A read through the strides ars/aqs (bytes),
   * B (nq×n) and C row-major. Splits the rows of C over the threads when that pays.
   */
  private product(
    a: Float64Array, aLength: number, ars: number, aqs: number,
    b: Float64Array, bLength: number, c: Float64Array,
    rows: number, nq: number, n: number,
  ): void {
    checkLength('A', a, aLength);
    checkLength('B', b, bLength);
    checkLength('C', c, rows * n);
    if (rows === 0 || n === 0) return;
    const threads = this.threadsFor(rows * nq * n, rows);
    // Whole blocks of four rows per thread; the calling thread takes the first part.
    const part = Math.ceil(rows / threads / 4) * 4;
    for (let t = 0; t < threads; t++) {
      if (!(this.lists[t]?.length >= 1.5 * nq)) this.lists[t] = this.heap.alloc(Math.ceil(1.5 * nq));
    }
    const args = this.args;
    args[0] = this.place(a, SLOT_A, aLength, true);
    args[1] = ars;
    args[2] = aqs;
    args[3] = this.place(b, SLOT_B, bLength, true);
    args[4] = n * 8;
    const cOffset = this.heap.offsetOf(c);
    args[5] = cOffset >= 0 ? cOffset : this.slot(SLOT_C, rows * n).byteOffset;
    args[6] = n * 8;
    args[9] = nq;
    args[10] = n;
    for (let t = 1; t < threads; t++) {
      args[7] = Math.min(rows, t * part);
      args[8] = Math.min(rows, (t + 1) * part);
      args[11] = this.lists[t].byteOffset;
      this.pool!.start(t - 1, GEMM, args);
    }
    this.wasm.gemm(args[0], ars, aqs, args[3], n * 8, args[5], n * 8, 0, Math.min(rows, part), nq, n, this.lists[0].byteOffset);
    for (let t = 1; t < threads; t++) this.pool!.wait(t - 1);
    if (cOffset < 0) c.set(this.scratch[SLOT_C].subarray(0, rows * n));
  }

  /**
   * C (a.rows×n) = A·B for a sparse A in the memory and B at bOffset. The rows of C are split
   * over the threads by their number of entries, so that each thread gets the same work.
   */
  private sparseProduct(a: SparseRows, bOffset: number, c: Float64Array, n: number): void {
    const { rows, rowStart } = a;
    const entries = rowStart[rows];
    const threads = this.threadsFor(entries * n, rows);
    const cOffset = this.heap.offsetOf(c);
    const args = this.args;
    args[0] = rowStart.byteOffset;
    args[1] = a.column.byteOffset;
    args[2] = a.value.byteOffset;
    args[5] = bOffset;
    args[6] = n * 8;
    args[7] = cOffset >= 0 ? cOffset : this.slot(SLOT_C, rows * n).byteOffset;
    args[8] = n * 8;
    args[9] = n;
    // Thread t takes the rows from the first whose entries start at or after t/threads of them.
    const firstEnd = rowAtShare(rowStart, rows, entries, 1, threads);
    for (let t = 1; t < threads; t++) {
      args[3] = rowAtShare(rowStart, rows, entries, t, threads);
      args[4] = rowAtShare(rowStart, rows, entries, t + 1, threads);
      this.pool!.start(t - 1, SPARSE_MATMUL, args);
    }
    this.wasm.sparse_matmul(args[0], args[1], args[2], 0, firstEnd, bOffset, n * 8, args[7], n * 8, n);
    for (let t = 1; t < threads; t++) this.pool!.wait(t - 1);
    if (cOffset < 0) c.set(this.scratch[SLOT_C].subarray(0, rows * n));
  }

  /** How many threads a call with this many multiply-adds (or values), in at most `parts` pieces, is worth. */
  private threadsFor(work: number, parts: number): number {
    return this.pool ? Math.max(1, Math.min(this.threads, Math.floor(work / MIN_WORK_PER_THREAD), parts)) : 1;
  }

  /** Whether every array of a SparseRows is a view of the memory (so the kernels can read it in place). */
  private inMemory(a: SparseRows): boolean {
    return this.heap.offsetOf(a.rowStart) >= 0 && this.heap.offsetOf(a.column) >= 0 && this.heap.offsetOf(a.value) >= 0;
  }

  /**
   * The kernels follow a SparseRows' indices as raw addresses: its row starts must lie within
   * its entries and its columns below `cols`, or they would read (or, for Aᵀ·B, write) other
   * arrays. Checked in the memory, a vector pass over the indices. Returns the entry count.
   */
  private checkSparse(a: SparseRows): number {
    const { rows, cols, rowStart, column, value } = a;
    if (!(Number.isInteger(rows) && rows >= 0 && rowStart.length >= rows + 1)) {
      throw new RangeError(`sparse matrix: ${rows} rows need ${rows + 1} row starts, it has ${rowStart.length}`);
    }
    const entries = rowStart[rows];
    if (!(rowStart[0] === 0 && entries >= 0 && entries <= column.length && entries <= value.length)) {
      throw new RangeError(`sparse matrix: its rows claim entries 0..${entries}, it has room for ${Math.min(column.length, value.length)}`);
    }
    if (this.wasm.max_unsigned(rowStart.byteOffset, rows + 1) >>> 0 > entries) {
      throw new RangeError('sparse matrix: a row start lies outside its entries');
    }
    if (entries > 0 && this.wasm.max_unsigned(column.byteOffset, entries) >>> 0 >= cols) {
      throw new RangeError(`sparse matrix: a column index is not below its ${cols} columns`);
    }
    return entries;
  }

  /** The row indices of a gather as the i32s the kernels read, each checked to be a row of src. */
  private rowIndices(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number): Int32Array<ArrayBufferLike> {
    // The kernel reads through raw addresses: a row outside src would read other arrays.
    const count = Math.floor(src.length / cols);
    if (this.indices.length < rows) {
      const slot = this.slot(SLOT_INDICES, Math.ceil(rows / 2));
      this.indices = new Int32Array(slot.buffer, slot.byteOffset, rows);
    }
    const ids = this.indices;
    for (let r = 0; r < rows; r++) {
      const row = indices[start + r];
      if (!(Number.isInteger(row) && row >= 0 && row < count)) throw new RangeError(`gatherRows: row ${row} is not one of the ${count} rows of src`);
      ids[r] = row;
    }
    return ids;
  }

  /** Byte offset of a copy of the 256-entry byte-to-double table, in the memory. */
  private placeTable(table: Float64Array): number {
    checkLength('table', table, 256);
    const t = this.slot(SLOT_TABLE, 256);
    for (let b = 0; b < 256; b++) t[b] = table[b];
    return t.byteOffset;
  }

  /** Byte offset of the array in the memory; an array from elsewhere is copied into a scratch slot first. */
  private place(array: Float64Array, slot: number, length: number, copyIn: boolean): number {
    const offset = this.heap.offsetOf(array);
    if (offset >= 0) return offset;
    const copy = this.slot(slot, length);
    if (copyIn) copy.set(array.subarray(0, length));
    return copy.byteOffset;
  }

  /**
   * Byte offset of src in the memory, or of the copy of its buffer (see gatherRows); −1 when
   * the memory has no room for a copy (then the gather runs in TypeScript, on src itself).
   */
  private bytesInMemory(src: Uint8Array): number {
    const offset = this.heap.offsetOf(src);
    if (offset >= 0) return offset;
    let copy = this.byteCopies.get(src.buffer);
    if (!copy) {
      try {
        copy = this.heap.allocBytes(src.buffer.byteLength);
      } catch {
        return -1;
      }
      copy.set(new Uint8Array(src.buffer));
      this.byteCopies.set(src.buffer, copy);
    }
    return copy.byteOffset + src.byteOffset;
  }

  private slot(slot: number, length: number): Float64Array {
    if (!(this.scratch[slot]?.length >= length)) this.scratch[slot] = this.heap.alloc(length);
    return this.scratch[slot];
  }
}

function checkLength(what: string, array: Float64Array, length: number): void {
  // The kernels write through raw addresses: a short array would spill into its neighbours.
  if (array.length < length) throw new RangeError(`${what} has ${array.length} values, the kernel needs ${length}`);
}

/** Thread t's first row in a split of a sparse product's entries into `threads` equal shares. */
function rowAtShare(rowStart: Int32Array, rows: number, entries: number, t: number, threads: number): number {
  if (t >= threads) return rows;
  const target = Math.ceil((entries * t) / threads);
  // The first row r with rowStart[r] ≥ target: rowStart is non-decreasing.
  let lo = 0, hi = rows;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rowStart[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
