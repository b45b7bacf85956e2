import type { WasmVariant } from './backend';
import { colShape, outHeight, outWidth, windowError, type Window } from './im2col';
import type { Kernels } from './kernels';
import { CODE_BITS, checkSparseRoom, checkSparseShape, type SparseLists, type SparseMatrix } from './sparse';
import { tsKernels } from './ts-kernels';
import { WasmHeap } from './wasm-heap';
import { WorkerPool } from './wasm-pool';

/**
 * The fast backend: the matrix products run in WebAssembly SIMD (wasm/kernels.wat) on
 * arrays that live in a shared WebAssembly memory, split over worker threads. Bias, column
 * sums, the SGD update, ReLU and the batch gathers are SIMD loops too; softmax needs exp,
 * which WebAssembly lacks, and stays the reference TypeScript. (An exp written in SIMD
 * measured 9 µs against 14 for a batch's softmax: not worth a second exp to trust.)
 *
 * The dense products' results do not depend on the thread count: each thread computes whole
 * rows of C, and each entry is one sum over the same terms in the same order. The sparse
 * forward product is split by ranges of indices instead (listProducts), so on more threads
 * its sums are added in parts: the same for a given thread count, different by rounding.
 */

/** The exports of kernels.wat (all addresses are byte offsets into the memory). */
interface KernelExports {
  gemm(
    a: number, ars: number, aqs: number, b: number, bqs: number, c: number, crs: number,
    r0: number, r1: number, nq: number, n: number, scratch: number,
  ): void;
  sparse_matmul(
    start: number, entry: number, table: number, k0: number, k1: number, q0: number, q1: number,
    b: number, bqs: number, c: number, crs: number, n: number, pos: number,
  ): void;
  max_unsigned(p: number, count: number): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  add_row_vector(x: number, bias: number, rows: number, cols: number): void;
  column_sums(x: number, out: number, rows: number, cols: number): void;
  add_scaled(y: number, x: number, alpha: number, n: number): void;
  add_scaled_bits(y: number, x: number, alphaLow: number, alphaHigh: number, n: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(y: number, dy: number, dx: number, n: number): void;
  gather_rows(src: number, indices: number, rows: number, cols: number, table: number, out: number): void;
  im2col(x: number, col: number, n: number, c: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number): void;
  col2im(col: number, x: number, n: number, c: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number): void;
  max_pool_forward(
    x: number, out: number, argmax: number, planes: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number,
  ): void;
  max_pool_backward(dout: number, argmax: number, dx: number, outputs: number, size: number): void;
  count_bytes(src: number, rows: number, cols: number): number;
  list_bytes(src: number, rows: number, cols: number, starts: number, entries: number, n0: number): number;
  gather_lists(
    starts: number, entries: number, indices: number, rows: number, cols: number,
    rowStart: number, rowEntry: number, next: number, colStart: number, colEntry: number,
  ): void;
}

/** The calls worker threads can run, by number. */
const POOL_FUNCTIONS = ['gemm', 'sparse_matmul', 'gather_rows', 'gather_lists', 'add_scaled_bits'] as const;
const GEMM = 0, SPARSE_MATMUL = 1, GATHER_ROWS = 2, GATHER_LISTS = 3, ADD_SCALED = 4;

/** Below this many multiply-adds a product runs on the calling thread alone: waking a worker would cost more. */
const MIN_WORK_PER_THREAD = 150_000;
/** Below this many values a gather runs on the calling thread alone. */
const MIN_GATHER_PER_THREAD = 20_000;
/** Byte matrices are listed (list_bytes) through a copy of this many bytes at a time, when they are not in the memory. */
const LIST_CHUNK_BYTES = 1 << 22;

/** Scratch slots for operands that are not in the memory, and for Bᵀ. */
const SLOT_A = 0, SLOT_B = 1, SLOT_C = 2, SLOT_BT = 3;
/** Scratch slot of gatherRows: its byte-to-double table. */
const SLOT_TABLE = 4;

export class WasmKernels implements Kernels {
  readonly name: string;
  private readonly heap = new WasmHeap();
  private readonly wasm: KernelExports;
  private readonly pool?: WorkerPool;
  private readonly scratch: Float64Array[] = [];
  /** Per thread: gemm's scratch for its last rows (kernels.wat). */
  private readonly lastRows: Float64Array[] = [];
  /** Byte matrices listed for gatherSparse (list_bytes), by the array given, kept while it lives. */
  private readonly listed = new WeakMap<Uint8Array, ListedBytes>();
  /** Scratch of the gathers, and of gatherSparseLater (which a worker may be using while another gather runs). */
  private readonly gatherScratch: [GatherScratch, GatherScratch] = [newGatherScratch(), newGatherScratch()];
  readonly gatherSparseLater?: Kernels['gatherSparseLater'];
  /** The gather of gatherSparseLater, waiting for the first worker, or running there. */
  private background?: { args: Int32Array; running: boolean };
  /** Per thread: its part of a sparse product split by indices, and where each list has got to (listProducts). */
  private readonly parts: Float64Array[] = [];
  private readonly positions: Int32Array[] = [];
  private readonly args = new Int32Array(14);
  /** Byte arrays from outside the memory that rows were gathered from: a copy of each one's whole buffer, kept while that buffer lives. */
  private readonly byteCopies = new WeakMap<ArrayBufferLike, Uint8Array>();

  constructor(module: WebAssembly.Module, variant: WasmVariant, readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    this.wasm = new WebAssembly.Instance(module, { env: { memory: this.heap.memory } }).exports as unknown as KernelExports;
    if (threads > 1) {
      this.pool = new WorkerPool(module, this.heap.memory, threads - 1, POOL_FUNCTIONS);
      this.gatherSparseLater = (src, indices, start, rows, cols, table, out) => this.gatherInBackground(src, indices, start, rows, cols, table, out);
    }
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

  sparseMatmul(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.inMemory(a)) return tsKernels.sparseMatmul(a, b, c, n);
    // Threads split A's columns (B's rows) at equal shares of the entries (byColumn.start
    // counts them), close to the SGD step's halves of B (splitAt): each thread reads mostly
    // its own rows of B, which it also writes in the backward product and the SGD step.
    this.listProducts(a, a.byRow, a.rows, a.cols, b, c, n, a.byColumn.start);
  }

  sparseMatmulTransA(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.inMemory(a)) return tsKernels.sparseMatmulTransA(a, b, c, n);
    // Threads split the rows of C (A's columns, W's rows for dW = Xᵀ·dY) at equal shares of
    // the entries: the rows of W that each one's part of the forward product reads.
    this.listProducts(a, a.byColumn, a.cols, a.rows, b, c, n);
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
    // Large updates are split over the threads the way the sparse products split B's rows
    // (splitAt, in whole cache lines), so that each thread updates the weights it reads.
    const threads = this.threadsFor(n * 8, this.threads);
    if (threads > 1) {
      ADD_SCALED_ALPHA[0] = alpha;
      for (let t = 1; t < threads; t++) {
        const i0 = splitAt(n / 8, t, threads) * 8, i1 = t + 1 >= threads ? n : splitAt(n / 8, t + 1, threads) * 8;
        setArgs(this.args, yOffset + 8 * i0, xOffset + 8 * i0, ADD_SCALED_BITS[0], ADD_SCALED_BITS[1], i1 - i0, 0, 0);
        this.startOnWorker(t - 1, ADD_SCALED, this.args);
      }
    }
    this.wasm.add_scaled(yOffset, xOffset, alpha, threads > 1 ? splitAt(n / 8, 1, threads) * 8 : n);
    for (let t = 1; t < threads; t++) this.waitForWorker(t - 1);
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
    const ids = this.rowIndices(src, indices, start, rows, cols, this.gatherScratch[0]);
    const srcOffset = this.bytesInMemory(src);
    if (srcOffset < 0) return tsKernels.gatherRows(src, indices, start, rows, cols, table, out);
    const tableOffset = this.placeTable(table);
    // Large gathers are split by rows over the threads: it is memory traffic, which each core adds to.
    const threads = this.pool ? Math.max(1, Math.min(this.threads, Math.floor((rows * cols) / MIN_GATHER_PER_THREAD))) : 1;
    const part = Math.ceil(rows / threads);
    for (let w = 1; w < threads; w++) {
      const r0 = Math.min(rows, w * part), r1 = Math.min(rows, (w + 1) * part);
      setArgs(this.args, srcOffset, ids.byteOffset + 4 * r0, r1 - r0, cols, tableOffset, outOffset + 8 * r0 * cols, 0);
      this.startOnWorker(w - 1, GATHER_ROWS, this.args);
    }
    this.wasm.gather_rows(srcOffset, ids.byteOffset, Math.min(rows, part), cols, tableOffset, outOffset);
    for (let w = 1; w < threads; w++) this.waitForWorker(w - 1);
  }

  /**
   * The first time it sees src, it lists the nonzero bytes of every row (list_bytes), in the
   * memory, and keeps that list while src lives: each batch then copies its rows' lists and
   * sorts them by column (gather_lists). As with gatherRows, the bytes must not change
   * afterwards. The list of MNIST's 60,000 training images takes 36 MB, where a copy of the
   * images would take 47.
   */
  gatherSparse(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix,
  ): void {
    const args = this.gatherCall(src, indices, start, rows, cols, table, out, this.gatherScratch[0]);
    if (args) this.gatherLists(args);
  }

  /**
   * gatherSparseLater, present only with worker threads (on one thread, gathering a batch
   * ahead costs the same time): gatherSparse for the next batch, while the caller trains on
   * this one. The gather waits for the end of the next call that splits work over the threads
   * (in training, the first layer's forward product), then runs on the first worker while the
   * caller goes on alone (the rest of the forward and backward pass, about as long); the next
   * call that wants that worker waits for it.
   */
  private gatherInBackground(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix,
  ): void {
    this.finishBackground();
    const args = this.gatherCall(src, indices, start, rows, cols, table, out, this.gatherScratch[1]);
    if (args) this.background = { args, running: false };
  }

  finishBackground(): void {
    const job = this.background;
    if (!job) return;
    this.background = undefined;
    if (job.running) this.pool!.wait(0);
    else this.gatherLists(job.args);
  }

  /** gather_lists on the calling thread, with the arguments gatherCall readied. */
  private gatherLists(a: Int32Array): void {
    this.wasm.gather_lists(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
  }

  // The window operations of convolution and pooling (kernels.wat, on the calling thread:
  // each is a pass over memory, small next to the products around it). Arrays from outside
  // the memory go to the reference loops.
  im2col(x: Float64Array, col: Float64Array, g: Window): void {
    const xAt = this.heap.offsetOf(x), colAt = this.heap.offsetOf(col);
    if (xAt < 0 || colAt < 0) return tsKernels.im2col(x, col, g);
    checkWindowArrays(g, x, col);
    this.wasm.im2col(xAt, colAt, g.n, g.c, g.h, g.w, g.fh, g.fw, g.stride, g.pad);
  }

  col2im(col: Float64Array, x: Float64Array, g: Window): void {
    const xAt = this.heap.offsetOf(x), colAt = this.heap.offsetOf(col);
    if (xAt < 0 || colAt < 0) return tsKernels.col2im(col, x, g);
    checkWindowArrays(g, x, col);
    x.fill(0, 0, g.n * g.c * g.h * g.w);
    this.wasm.col2im(colAt, xAt, g.n, g.c, g.h, g.w, g.fh, g.fw, g.stride, g.pad);
  }

  maxPoolForward(x: Float64Array, out: Float64Array, argmax: Int32Array, g: Window): void {
    const xAt = this.heap.offsetOf(x), outAt = this.heap.offsetOf(out), argmaxAt = this.heap.offsetOf(argmax);
    if (xAt < 0 || outAt < 0 || argmaxAt < 0) return tsKernels.maxPoolForward(x, out, argmax, g);
    const outputs = checkWindowArrays(g, x);
    checkLength('out', out, outputs);
    if (argmax.length < outputs) throw new RangeError(`argmax has ${argmax.length} entries, the kernel needs ${outputs}`);
    this.wasm.max_pool_forward(xAt, outAt, argmaxAt, g.n * g.c, g.h, g.w, g.fh, g.fw, g.stride, g.pad);
  }

  maxPoolBackward(dout: Float64Array, argmax: Int32Array, dx: Float64Array, g: Window): void {
    const doutAt = this.heap.offsetOf(dout), argmaxAt = this.heap.offsetOf(argmax), dxAt = this.heap.offsetOf(dx);
    if (doutAt < 0 || argmaxAt < 0 || dxAt < 0) return tsKernels.maxPoolBackward(dout, argmax, dx, g);
    const outputs = checkWindowArrays(g, dx);
    checkLength('dout', dout, outputs);
    if (argmax.length < outputs) throw new RangeError(`argmax has ${argmax.length} entries, the kernel needs ${outputs}`);
    const size = g.n * g.c * g.h * g.w;
    dx.fill(0, 0, size);
    this.wasm.max_pool_backward(doutAt, argmaxAt, dxAt, outputs, size);
  }

  transposeBatch(src: Float64Array, dst: Float64Array, batches: number, rows: number, cols: number): void {
    const srcAt = this.heap.offsetOf(src), dstAt = this.heap.offsetOf(dst);
    if (srcAt < 0 || dstAt < 0) return tsKernels.transposeBatch(src, dst, batches, rows, cols);
    checkLength('src', src, batches * rows * cols);
    checkLength('dst', dst, batches * rows * cols);
    for (let b = 0; b < batches; b++) this.wasm.transpose(srcAt + 8 * b * rows * cols, dstAt + 8 * b * rows * cols, rows, cols);
  }

  /** Stops the worker threads. The kernels still work afterwards, on the calling thread only. */
  dispose(): void {
    this.finishBackground();
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
      grown(this.lastRows, t, 4 * (nq + n), (length) => this.heap.alloc(length));
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
      args[11] = this.lastRows[t].byteOffset;
      this.startOnWorker(t - 1, GEMM, args);
    }
    this.wasm.gemm(args[0], ars, aqs, args[3], n * 8, args[5], n * 8, 0, Math.min(rows, part), nq, n, this.lastRows[0].byteOffset);
    for (let t = 1; t < threads; t++) this.waitForWorker(t - 1);
    if (cOffset < 0) c.set(this.scratch[SLOT_C].subarray(0, rows * n));
  }

  /**
   * Row k of C (count×n) = Σ value · (row `index` of B, B size×n) over the entries of list k
   * of `lists` (kernels.wat: sparse_matmul). The threads split the lists (rows of C) at equal shares of
   * the entries; or, given `indexShares` (the starts of the lists by index), they split the
   * index range instead, each into a part of C of its own, and the parts are added up.
   */
  private listProducts(
    a: SparseMatrix, lists: SparseLists, count: number, size: number,
    b: Float64Array, c: Float64Array, n: number, indexShares?: Int32Array,
  ): void {
    const entries = this.checkSparse(a, lists, count, size);
    checkLength('B', b, size * n);
    checkLength('C', c, count * n);
    if (count === 0 || n === 0) return;
    const { start, entry } = lists;
    const table = a.table.byteOffset;
    const bOffset = this.place(b, SLOT_B, size * n, true);
    const cOffset = this.heap.offsetOf(c);
    const cAt = cOffset >= 0 ? cOffset : this.slot(SLOT_C, count * n).byteOffset;
    const threads = this.threadsFor(entries * n, indexShares ? size : count);
    // Thread t takes the lists from share(t) to share(t + 1), all indices; or, with
    // indexShares, all lists, the indices from share(t) to share(t + 1), into its own part.
    const shares = indexShares ?? start, shared = indexShares ? size : count;
    for (let t = 1; t < threads; t++) {
      const from = shareStart(shares, shared, t, threads), to = shareStart(shares, shared, t + 1, threads);
      setArgs(
        this.args, start.byteOffset, entry.byteOffset, table,
        indexShares ? 0 : from, indexShares ? count : to, indexShares ? from : 0, indexShares ? to : size,
        bOffset, n * 8, indexShares ? this.part(t, count * n).byteOffset : cAt, n * 8, n, this.pos(t, 2 * count).byteOffset,
      );
      this.startOnWorker(t - 1, SPARSE_MATMUL, this.args);
    }
    const end = shareStart(shares, shared, 1, threads);
    this.wasm.sparse_matmul(
      start.byteOffset, entry.byteOffset, table, 0, indexShares ? count : end, 0, indexShares ? end : size,
      bOffset, n * 8, cAt, n * 8, n, this.pos(0, 2 * count).byteOffset,
    );
    for (let t = 1; t < threads; t++) {
      this.waitForWorker(t - 1);
      if (indexShares) this.wasm.add_scaled(cAt, this.parts[t].byteOffset, 1, count * n);
    }
    if (cOffset < 0) c.set(this.scratch[SLOT_C].subarray(0, count * n));
  }

  /** Starts a call on worker w, once the background gather (gatherSparseLater) has finished there. */
  private startOnWorker(w: number, fn: number, args: ArrayLike<number>): void {
    if (w === 0 && this.background?.running) {
      this.background = undefined;
      this.pool!.wait(0);
    }
    this.pool!.start(w, fn, args);
  }

  /** Waits for worker w's call; then a waiting background gather starts on the first worker. */
  private waitForWorker(w: number): void {
    this.pool!.wait(w);
    if (w === 0 && this.background && !this.background.running) {
      this.pool!.start(0, GATHER_LISTS, this.background.args);
      this.background.running = true;
    }
  }

  private part(t: number, length: number): Float64Array {
    return grown(this.parts, t, length, (n) => this.heap.alloc(n));
  }

  private pos(t: number, length: number): Int32Array {
    return grown(this.positions, t, length, (n) => this.heap.allocInt32(n));
  }

  /** How many threads a call with this many multiply-adds (or values), in at most `parts` pieces, is worth. */
  private threadsFor(work: number, parts: number): number {
    return this.pool ? Math.max(1, Math.min(this.threads, Math.floor(work / MIN_WORK_PER_THREAD), parts)) : 1;
  }

  /** Whether every array of a SparseMatrix is a view of the memory (so the kernels can read it in place). */
  private inMemory(a: SparseMatrix): boolean {
    return this.heap.offsetOf(a.table) >= 0 && this.listsInMemory(a.byRow) && this.listsInMemory(a.byColumn);
  }

  private listsInMemory(l: SparseLists): boolean {
    return this.heap.offsetOf(l.start) >= 0 && this.heap.offsetOf(l.entry) >= 0;
  }

  /**
   * The kernels follow one list set of a SparseMatrix (by row for sparseMatmul, by column
   * for sparseMatmulTransA) as raw addresses: its starts must lie within the entries and its
   * indices within the matrix (below `size`), or the kernel would read other arrays. Checked
   * in the memory, a vector pass over them. Returns the entry count.
   */
  private checkSparse(a: SparseMatrix, lists: SparseLists, count: number, size: number): number {
    const entries = checkSparseShape(a);
    if (this.maxIndex(lists.start, count + 1) > entries) throw new RangeError('sparse matrix: a list starts outside its entries');
    if (entries > 0 && this.maxIndex(lists.entry, entries) >>> CODE_BITS >= size) {
      throw new RangeError(`sparse matrix: an entry lies outside its ${a.rows}×${a.cols}`);
    }
    return entries;
  }

  /** The largest of array[0..count), read as unsigned (a negative index is larger than any). */
  private maxIndex(array: Int32Array, count: number): number {
    return this.wasm.max_unsigned(array.byteOffset, count) >>> 0;
  }

  /** The row indices of a gather as the i32s the kernels read, in scratch.ids, each checked to be a row of src. */
  private rowIndices(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number, scratch: GatherScratch): Int32Array<ArrayBufferLike> {
    // The kernels read rows through raw addresses: a row outside src would read other arrays.
    const count = Math.floor(src.length / cols);
    if (scratch.ids.length < rows) scratch.ids = this.heap.allocInt32(rows);
    for (let r = 0; r < rows; r++) {
      const row = indices[start + r];
      if (!(Number.isInteger(row) && row >= 0 && row < count)) throw new RangeError(`gather: row ${row} is not one of the ${count} rows of src`);
      scratch.ids[r] = row;
    }
    return scratch.ids;
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
   * Checks a sparse gather and readies it: the arguments of gather_lists in scratch.args,
   * with the row indices copied into scratch.ids; undefined when it was done in TypeScript
   * instead (out or the list of src not in the memory). out.rows, out.cols and out.table are
   * set at once.
   */
  private gatherCall(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix, scratch: GatherScratch,
  ): Int32Array | undefined {
    checkSparseRoom(out, rows, cols, table);
    const listed = this.inMemory(out) ? this.listedBytes(src, cols) : undefined;
    if (!listed) {
      tsKernels.gatherSparse(src, indices, start, rows, cols, table, out);
      return undefined;
    }
    const ids = this.rowIndices(src, indices, start, rows, cols, scratch);
    if (scratch.columns.length < cols) scratch.columns = this.heap.allocInt32(cols);
    const { byRow, byColumn } = out;
    out.table.set(table.subarray(0, 256));
    out.rows = rows;
    out.cols = cols;
    setArgs(
      scratch.args, listed.starts.byteOffset, listed.entries.byteOffset, ids.byteOffset, rows, cols,
      byRow.start.byteOffset, byRow.entry.byteOffset, scratch.columns.byteOffset, byColumn.start.byteOffset, byColumn.entry.byteOffset,
    );
    return scratch.args;
  }

  /**
   * The nonzero bytes of each row of src (cols bytes a row), listed in the memory (see
   * gatherSparse); undefined when the memory has no room (then the gather runs in TypeScript).
   * A src from outside the memory is listed through a copy of a few megabytes at a time.
   */
  private listedBytes(src: Uint8Array, cols: number): ListedBytes | undefined {
    const known = this.listed.get(src);
    if (known?.cols === cols) return known;
    const count = cols > 0 ? Math.floor(src.length / cols) : 0;
    const offset = this.heap.offsetOf(src);
    const chunkRows = offset >= 0 ? count : Math.max(1, Math.floor(LIST_CHUNK_BYTES / Math.max(1, cols)));
    try {
      const chunk = offset >= 0 ? src : this.heap.allocBytes(Math.min(count, chunkRows) * cols);
      const eachChunk = (work: (address: number, r0: number, rows: number) => void) => {
        for (let r0 = 0; r0 < count; r0 += chunkRows) {
          const rows = Math.min(chunkRows, count - r0);
          if (offset < 0) chunk.set(src.subarray(r0 * cols, (r0 + rows) * cols));
          work(offset >= 0 ? offset + r0 * cols : chunk.byteOffset, r0, rows);
        }
      };
      let total = 0;
      eachChunk((address, _r0, rows) => { total += this.wasm.count_bytes(address, rows, cols); });
      const listed: ListedBytes = { cols, starts: this.heap.allocInt32(count + 1), entries: this.heap.allocInt32(total) };
      let n = 0;
      eachChunk((address, r0, rows) => {
        n = this.wasm.list_bytes(address, rows, cols, listed.starts.byteOffset + 4 * r0, listed.entries.byteOffset, n);
      });
      this.listed.set(src, listed);
      return listed;
    } catch (e) {
      if (e instanceof RangeError) return undefined;
      throw e;
    }
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
    return grown(this.scratch, slot, length, (n) => this.heap.alloc(n));
  }
}

/** store[k], replaced by make(length) when it is missing or shorter: scratch that grows to the largest call, then stays. */
function grown<T extends { length: number }>(store: T[], k: number, length: number, make: (length: number) => T): T {
  if (!(store[k]?.length >= length)) store[k] = make(length);
  return store[k];
}

/**
 * The window kernels walk x and col through raw addresses computed from the geometry: it must
 * be one the layers accept (windowError), and the arrays long enough. Returns the output count.
 */
function checkWindowArrays(g: Window, x: Float64Array, col?: Float64Array): number {
  const dims = [g.n, g.c, g.h, g.w, g.fh, g.fw, g.stride, g.pad];
  if (!dims.every((d) => Number.isInteger(d) && d >= 0) || g.stride < 1 || g.fh < 1 || g.fw < 1 || windowError(g.h, g.w, g.fh, g.fw, g.stride, g.pad, 'input')) {
    throw new RangeError(`window ${JSON.stringify(g)} does not fit its images`);
  }
  checkLength('x', x, g.n * g.c * g.h * g.w);
  const [rows, cols] = colShape(g);
  if (col) checkLength('col', col, rows * cols);
  return g.n * g.c * outHeight(g) * outWidth(g);
}

function checkLength(what: string, array: Float64Array, length: number): void {
  // The kernels write through raw addresses: a short array would spill into its neighbours.
  if (array.length < length) throw new RangeError(`${what} has ${array.length} values, the kernel needs ${length}`);
}

/**
 * Where thread t of `threads` starts in a range of `count` (count for the end of the last):
 * addScaled splits its values there (counting in whole cache lines of eight doubles), so that
 * the thread that updates a row of W is, but for a few rows, the one that reads it (the
 * sparse products split at equal shares of the entries, which for MNIST lie within a few rows
 * of the middle).
 */
function splitAt(count: number, t: number, threads: number): number {
  return t >= threads ? Math.ceil(count) : Math.floor((count * t) / threads);
}

/**
 * Where thread t of `threads` starts in a split of `count` lists (with their starts) into
 * ranges holding equal shares of the entries: the first list that starts at or after t/threads
 * of them (count, for the end of the last range).
 */
function shareStart(start: Int32Array, count: number, t: number, threads: number): number {
  if (t >= threads) return count;
  const target = Math.ceil((start[count] * t) / threads);
  let lo = 0, hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (start[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** alpha of addScaled, and its bits as two i32 halves, for a worker thread. */
const ADD_SCALED_ALPHA = new Float64Array(1);
const ADD_SCALED_BITS = new Int32Array(ADD_SCALED_ALPHA.buffer);

/** A gather's scratch: its row indices, an i32 per column, and the arguments of its gather_lists call. */
interface GatherScratch {
  ids: Int32Array<ArrayBufferLike>;
  columns: Int32Array<ArrayBufferLike>;
  readonly args: Int32Array;
}

function newGatherScratch(): GatherScratch {
  return { ids: new Int32Array(0), columns: new Int32Array(0), args: new Int32Array(14) };
}

/** A byte matrix listed by list_bytes: row r's entries (column·256 + byte) are entries[starts[r] .. starts[r + 1]). */
interface ListedBytes {
  readonly cols: number;
  readonly starts: Int32Array;
  readonly entries: Int32Array;
}

/** args[0], args[1], … = the values given: the arguments of a worker's call, without building an array (this runs every step). */
function setArgs(
  args: Int32Array, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number,
  a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0,
): void {
  args[0] = a0; args[1] = a1; args[2] = a2; args[3] = a3; args[4] = a4; args[5] = a5; args[6] = a6;
  args[7] = a7; args[8] = a8; args[9] = a9; args[10] = a10; args[11] = a11; args[12] = a12; args[13] = a13;
}
