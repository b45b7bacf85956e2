import type { WasmVariant } from './backend';
import type { Kernels } from './kernels';
import { checkSparseIndices, checkSparseRoom, type SparseColumns } from './sparse';
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
    colStart: number, row: number, value: number, r0: number, r1: number, cols: number,
    b: number, bqs: number, c: number, crs: number, n: number,
  ): void;
  sparse_matmul_tn(
    colStart: number, row: number, value: number, q0: number, q1: number,
    b: number, bqs: number, c: number, crs: number, n: number,
  ): void;
  max_unsigned(p: number, count: number): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  add_row_vector(x: number, bias: number, rows: number, cols: number): void;
  column_sums(x: number, out: number, rows: number, cols: number): void;
  add_scaled(y: number, x: number, alpha: number, n: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(y: number, dy: number, dx: number, n: number): void;
  gather_rows(src: number, indices: number, rows: number, cols: number, table: number, out: number): void;
  count_columns(src: number, indices: number, r0: number, r1: number, cols: number, counts: number): void;
  start_columns(counts0: number, counts1: number, cols: number, colStart: number, next: number): void;
  deal_columns(
    src: number, indices: number, rows: number, q0: number, q1: number, cols: number, table: number,
    next: number, row: number, value: number,
  ): void;
}

/** The calls worker threads can run, by number. */
const POOL_FUNCTIONS = ['gemm', 'sparse_matmul', 'sparse_matmul_tn', 'gather_rows', 'count_columns', 'deal_columns'] as const;
const GEMM = 0, SPARSE_MATMUL = 1, SPARSE_MATMUL_TN = 2, GATHER_ROWS = 3, COUNT_COLUMNS = 4, DEAL_COLUMNS = 5;

/** Below this many multiply-adds a product runs on the calling thread alone: waking a worker would cost more. */
const MIN_WORK_PER_THREAD = 150_000;
/** Below this many values a gather runs on the calling thread alone. */
const MIN_GATHER_PER_THREAD = 20_000;
/** count_columns keeps 16-bit counts: a sparse gather of more rows than this runs in TypeScript. */
const MAX_COUNTED_ROWS = 32767;

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
  /** gatherSparseColumns's scratch: two blocks of column counts (i16), and the columns' next free places (i32). */
  private readonly columnScratch = { cols: -1, counts: new Int32Array(0), next: new Int32Array(0) } as { cols: number; counts: Int32Array; next: Int32Array };
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

  sparseMatmul(a: SparseColumns, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.inMemory(a)) return tsKernels.sparseMatmul(a, b, c, n);
    this.checkSparse(a);
    checkLength('B', b, a.cols * n);
    checkLength('C', c, a.rows * n);
    if (a.rows === 0 || n === 0) return;
    const bOffset = this.place(b, SLOT_B, a.cols * n, true);
    const cOffset = this.heap.offsetOf(c);
    const args = this.args;
    args[0] = a.colStart.byteOffset;
    args[1] = a.row.byteOffset;
    args[2] = a.value.byteOffset;
    args[5] = a.cols;
    args[6] = bOffset;
    args[7] = n * 8;
    args[8] = cOffset >= 0 ? cOffset : this.slot(SLOT_C, a.rows * n).byteOffset;
    args[9] = n * 8;
    args[10] = n;
    // Each thread takes a range of rows of C (whole cache lines of it, so no line is written by two).
    const threads = this.threadsFor(a.colStart[a.cols] * n, a.rows);
    const rowAt = (t: number) => (t >= threads ? a.rows : Math.round((t * a.rows) / threads / 8) * 8);
    for (let t = 1; t < threads; t++) {
      args[3] = rowAt(t);
      args[4] = rowAt(t + 1);
      this.pool!.start(t - 1, SPARSE_MATMUL, args);
    }
    this.wasm.sparse_matmul(args[0], args[1], args[2], 0, rowAt(1), a.cols, bOffset, n * 8, args[8], n * 8, n);
    for (let t = 1; t < threads; t++) this.pool!.wait(t - 1);
    if (cOffset < 0) c.set(this.scratch[SLOT_C].subarray(0, a.rows * n));
  }

  sparseMatmulTransA(a: SparseColumns, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.inMemory(a)) return tsKernels.sparseMatmulTransA(a, b, c, n);
    const entries = this.checkSparse(a);
    checkLength('B', b, a.rows * n);
    checkLength('C', c, a.cols * n);
    if (a.cols === 0 || n === 0) return;
    const bOffset = this.place(b, SLOT_B, a.rows * n, true);
    const cOffset = this.heap.offsetOf(c);
    const args = this.args;
    args[0] = a.colStart.byteOffset;
    args[1] = a.row.byteOffset;
    args[2] = a.value.byteOffset;
    args[5] = bOffset;
    args[6] = n * 8;
    args[7] = cOffset >= 0 ? cOffset : this.slot(SLOT_C, a.cols * n).byteOffset;
    args[8] = n * 8;
    args[9] = n;
    // Each thread takes a range of rows of C (columns of A) holding an equal share of the entries.
    const threads = this.threadsFor(entries * n, a.cols);
    const rowAt = (t: number) => (t >= threads ? a.cols : firstAtOrAbove(a.colStart, a.cols, Math.ceil((entries * t) / threads)));
    for (let t = 1; t < threads; t++) {
      args[3] = rowAt(t);
      args[4] = rowAt(t + 1);
      this.pool!.start(t - 1, SPARSE_MATMUL_TN, args);
    }
    this.wasm.sparse_matmul_tn(args[0], args[1], args[2], 0, rowAt(1), bOffset, n * 8, args[7], n * 8, n);
    for (let t = 1; t < threads; t++) this.pool!.wait(t - 1);
    if (cOffset < 0) c.set(this.scratch[SLOT_C].subarray(0, a.cols * n));
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
  gatherSparseColumns(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseColumns,
  ): void {
    checkSparseRoom(out, rows, cols, table);
    const ts = () => tsKernels.gatherSparseColumns(src, indices, start, rows, cols, table, out);
    if (!this.inMemory(out) || rows > MAX_COUNTED_ROWS) return ts();
    const ids = this.rowIndices(src, indices, start, rows, cols);
    const srcOffset = this.bytesInMemory(src);
    if (srcOffset < 0) return ts();
    // On two threads when that pays: first each counts half of the rows, then each deals
    // the entries of a range of columns, half of them (kernels.wat).
    const two = this.pool !== undefined && rows * cols >= 2 * MIN_GATHER_PER_THREAD;
    const half = two ? Math.ceil(rows / 2) : rows;
    const sc = this.columnScratch;
    if (sc.cols < cols) {
      // Two blocks of 16-bit counts, each rounded up to 16 bytes.
      [sc.cols, sc.counts, sc.next] = [cols, this.heap.allocInt32(2 * Math.ceil(cols / 8) * 4), this.heap.allocInt32(cols)];
    }
    const counts0 = sc.counts.byteOffset, counts1 = counts0 + sc.counts.byteLength / 2;
    const w = this.wasm, args = this.args, pool = this.pool!;
    if (two) {
      [args[0], args[1], args[2], args[3], args[4], args[5]] = [srcOffset, ids.byteOffset, half, rows, cols, counts1];
      pool.start(0, COUNT_COLUMNS, args);
    }
    w.count_columns(srcOffset, ids.byteOffset, 0, half, cols, counts0);
    if (two) pool.wait(0);
    else w.count_columns(srcOffset, ids.byteOffset, rows, rows, cols, counts1);
    w.start_columns(counts0, counts1, cols, out.colStart.byteOffset, sc.next.byteOffset);
    const tableOffset = this.placeTable(table);
    // The second thread's columns start at a multiple of 16 near the middle entry.
    const split = two ? Math.min(cols, Math.round(firstAtOrAbove(out.colStart, cols, out.colStart[cols] / 2) / 16) * 16) : cols;
    if (two) {
      [args[0], args[1], args[2], args[3], args[4], args[5], args[6]] = [srcOffset, ids.byteOffset, rows, split, cols, cols, tableOffset];
      [args[7], args[8], args[9]] = [sc.next.byteOffset, out.row.byteOffset, out.value.byteOffset];
      pool.start(0, DEAL_COLUMNS, args);
    }
    w.deal_columns(srcOffset, ids.byteOffset, rows, 0, split, cols, tableOffset, sc.next.byteOffset, out.row.byteOffset, out.value.byteOffset);
    if (two) pool.wait(0);
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

  /** How many threads a call with this many multiply-adds (or values), in at most `parts` pieces, is worth. */
  private threadsFor(work: number, parts: number): number {
    return this.pool ? Math.max(1, Math.min(this.threads, Math.floor(work / MIN_WORK_PER_THREAD), parts)) : 1;
  }

  /** Whether every array of a SparseColumns is a view of the memory (so the kernels can read it in place). */
  private inMemory(a: SparseColumns): boolean {
    return this.heap.offsetOf(a.colStart) >= 0 && this.heap.offsetOf(a.row) >= 0 && this.heap.offsetOf(a.value) >= 0;
  }

  /**
   * The kernels follow a SparseColumns' indices as raw addresses: its column starts must lie
   * within its entries and its row numbers below `rows`, or they would read (or write) other
   * arrays. Checked in the memory, a vector pass over the indices. Returns the entry count.
   */
  private checkSparse(a: SparseColumns): number {
    const { rows, cols, colStart, row } = a;
    const entries = checkSparseIndices(a);
    if (this.wasm.max_unsigned(colStart.byteOffset, cols + 1) >>> 0 > entries) {
      throw new RangeError('sparse matrix: a column start lies outside its entries');
    }
    if (entries > 0 && this.wasm.max_unsigned(row.byteOffset, entries) >>> 0 >= rows) {
      throw new RangeError(`sparse matrix: a row number is not below its ${rows} rows`);
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

/** The first q ≤ last with starts[q] ≥ target (starts is non-decreasing), by bisection. */
function firstAtOrAbove(starts: Int32Array, last: number, target: number): number {
  let lo = 0, hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
