import { adamScales, type KernelStats, type Kernels, type UpdateRule } from './kernels';
import { CODE_BITS, checkSparseShape, type SparseLists, type SparseMatrix } from './sparse';
import { colShape, outHeight, outWidth, windowError, type Window } from './im2col';
import { tsKernels } from './ts-kernels';
import { ByteLists, newGatherScratch, type GatherScratch } from './wasm-lists';
import type { KernelExports, WasmVariant } from './wasm-module';
import { WasmPlacement, checkLength, grown } from './wasm-placement';
import { WasmScheduler, shareStart, splitAt, type ChooserOptions } from './wasm-scheduler';

/**
 * The fast backend's bindings: each kernel of the Kernels interface as calls of the
 * WebAssembly SIMD module (wasm/kernels.wat) on arrays in its shared memory (WasmPlacement),
 * cut into parts for the worker threads (WasmScheduler). Softmax needs exp, which
 * WebAssembly lacks, and stays the reference TypeScript. (An exp written in SIMD measured
 * 9 µs against 14 for a batch's softmax: not worth a second exp to trust.) Sigmoid, where exp
 * is most of the layer's time, has one: exp.ts, in TypeScript and in kernels.wat alike.
 *
 * The products' results do not depend on the thread count: each thread computes whole rows
 * of C, and each entry is one sum over the same terms in the same order.
 */

/** The calls worker threads can run, by number. */
const POOL_FUNCTIONS = [
  'gemm', 'sparse_matmul', 'gather_rows', 'gather_lists', 'add_scaled_bits',
  'momentum_step', 'nesterov_step', 'adagrad_step', 'rmsprop_step', 'adam_step',
  'sigmoid_backward', 'apply_mask', 'sigmoid_forward',
  'im2col', 'col2im', 'max_pool_forward', 'max_pool_backward', 'max_pool_2x2', 'max_pool_2x2_backward',
  'avg_pool_forward', 'avg_pool_backward', 'im2col_transposed',
] as const;
/** The worker calls: the module's, then the native addon's sparse products (NativeKernels), for workers given the addon. */
const WORKER_CALLS = [...POOL_FUNCTIONS, 'native_list_products'];
export const NATIVE_LIST_PRODUCTS = POOL_FUNCTIONS.length;
/** A call's number in POOL_FUNCTIONS (what a worker is told to run). */
const poolIndex = (name: (typeof POOL_FUNCTIONS)[number]): number => POOL_FUNCTIONS.indexOf(name);
const GEMM = poolIndex('gemm'), SPARSE_MATMUL = poolIndex('sparse_matmul'), GATHER_ROWS = poolIndex('gather_rows'), GATHER_LISTS = poolIndex('gather_lists'), ADD_SCALED = poolIndex('add_scaled_bits');
/** The window operations (convolution, pooling). */
const IM2COL = poolIndex('im2col'), COL2IM = poolIndex('col2im'), MAX_POOL = poolIndex('max_pool_forward'), MAX_POOL_BACKWARD = poolIndex('max_pool_backward');
const MAX_POOL_2X2 = poolIndex('max_pool_2x2'), MAX_POOL_2X2_BACKWARD = poolIndex('max_pool_2x2_backward');
const AVG_POOL = poolIndex('avg_pool_forward'), AVG_POOL_BACKWARD = poolIndex('avg_pool_backward'), IM2COL_TRANSPOSED = poolIndex('im2col_transposed');
/** The update rules' functions (Kernels.updateWeights), by rule. */
const UPDATE_FUNCTION = {
  momentum: poolIndex('momentum_step'), nesterov: poolIndex('nesterov_step'), adagrad: poolIndex('adagrad_step'),
  rmsprop: poolIndex('rmsprop_step'), adam: poolIndex('adam_step'),
} as const;
const SIGMOID_BACKWARD = poolIndex('sigmoid_backward'), APPLY_MASK = poolIndex('apply_mask'), SIGMOID_FORWARD = poolIndex('sigmoid_forward');

/** Below this many values a gather runs on the calling thread alone. */
const MIN_GATHER_PER_THREAD = 20_000;
/** Below this many values per thread a window operation (im2col, pooling) runs on the calling thread alone. */
const MIN_WINDOW_PER_THREAD = 8_192;

/** Scratch slots for operands that are not in the memory, and for gatherRows's byte-to-double table and the update rules' coefficients. */
const SLOT_A = 0, SLOT_B = 1, SLOT_C = 2, SLOT_TABLE = 4, SLOT_RULE = 5, SLOT_SOFTMAX = 6;

export class WasmKernels implements Kernels {
  readonly name: string;
  readonly threadCount: number;
  protected readonly place = new WasmPlacement();
  private readonly wasm: KernelExports;
  protected readonly threads: WasmScheduler;
  private readonly lists: ByteLists;
  /** Per thread: gemm's scratch, for its packed blocks of A and B and its edge tiles (kernels.wat). */
  private readonly gemmScratch: Float64Array[] = [];
  /** Scratch of the gathers, and of gatherSparseLater (which a worker may be using while another gather runs). */
  protected readonly gatherScratch: [GatherScratch, GatherScratch] = [newGatherScratch(), newGatherScratch()];
  readonly gatherSparseLater?: Kernels['gatherSparseLater'];
  private readonly args = new Int32Array(14);

  /** `addon`: the native addon's file, for workers that run its sparse products (NativeKernels). */
  constructor(module: WebAssembly.Module, variant: WasmVariant, threads: number, chooser: ChooserOptions = {}, addon?: string) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    this.wasm = new WebAssembly.Instance(module, { env: { memory: this.place.heap.memory } }).exports as unknown as KernelExports;
    this.lists = new ByteLists(this.wasm, this.place);
    this.threads = new WasmScheduler(module, this.place.heap.memory, threads, WORKER_CALLS, (args) => this.lists.run(args), GATHER_LISTS, chooser, addon);
    if (this.threads.hasWorkers) {
      this.gatherSparseLater = (src, indices, start, rows, cols, table, out) => this.gatherInBackground(src, indices, start, rows, cols, table, out);
    }
    this.name = `wasm-${variant} ×${threads} thread${threads > 1 ? 's' : ''}`;
    this.threadCount = threads;
  }

  alloc(length: number): Float64Array {
    return this.place.heap.alloc(length);
  }

  allocIndices(length: number): Int32Array {
    return this.place.heap.allocInt32(length);
  }

  stats(): KernelStats {
    const windows = this.threads.chooser?.windows;
    return { slowPaths: Object.fromEntries(this.place.slowPaths), ...(windows && { windows: { ...windows }, polling: this.threads.polling }) };
  }

  matmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    // Row i of C sums over p: A(i, p) is at a + (i·k + p)·8.
    this.product(a, m * k, k * 8, 8, b, k * n, n * 8, 8, c, m, k, n);
  }

  matmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    // Row p of C (k×n) sums over the m rows i: Aᵀ(p, i) = A[i][p] is at a + (i·k + p)·8.
    this.product(a, m * k, 8, k * 8, b, m * n, n * 8, 8, c, k, m, n);
  }

  matmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void {
    // Row i of C sums over j: Bᵀ(j, p) = B[p][j] is at b + (p·n + j)·8, read by gemm as it
    // packs its blocks (a transpose in passing).
    this.product(a, m * n, n * 8, 8, b, k * n, 8, n * 8, c, m, n, k);
  }

  sparseMatmul(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.place.holds(a)) {
      this.place.countSlowPath('sparseMatmul');
      return tsKernels.sparseMatmul(a, b, c, n);
    }
    // The parts take A's rows (the images) at equal shares of the entries: each row of C is
    // one sum in one order on any thread, so the bits do not depend on the thread count.
    this.listProducts(a, a.byRow, a.rows, a.cols, b, c, n);
  }

  sparseMatmulTransA(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.place.holds(a)) {
      this.place.countSlowPath('sparseMatmulTransA');
      return tsKernels.sparseMatmulTransA(a, b, c, n);
    }
    // The parts take rows of C (A's columns, W's rows for dW = Xᵀ·dY) at equal shares of the entries.
    this.listProducts(a, a.byColumn, a.cols, a.rows, b, c, n);
  }

  addRowVector(x: Float64Array, bias: Float64Array, rows: number, cols: number): void {
    // In place on x: only worth it (and only safe) on arrays already in the memory.
    const at = this.place.offsets('addRowVector', x, bias);
    if (!at) return tsKernels.addRowVector(x, bias, rows, cols);
    checkLength('x', x, rows * cols);
    checkLength('bias', bias, cols);
    this.wasm.add_row_vector(at[0], at[1], rows, cols);
  }

  columnSums(x: Float64Array, out: Float64Array, rows: number, cols: number): void {
    const at = this.place.offsets('columnSums', x, out);
    if (!at) return tsKernels.columnSums(x, out, rows, cols);
    checkLength('x', x, rows * cols);
    checkLength('out', out, cols);
    this.wasm.column_sums(at[0], at[1], rows, cols);
  }

  softmaxRows(x: Float64Array, out: Float64Array, rows: number, cols: number, logSumExp?: Float64Array): void {
    const at = this.place.offsets('softmaxRows', x, out);
    if (!at) return tsKernels.softmaxRows(x, out, rows, cols, logSumExp);
    checkLength('x', x, rows * cols);
    checkLength('out', out, rows * cols);
    if (logSumExp) checkLength('logSumExp', logSumExp, rows);
    // Each row's max and sum: the log-sum-exp is max + log(sum), with the engine's log as in the reference.
    const stats = this.place.slot(SLOT_SOFTMAX, 2 * rows);
    this.wasm.softmax_rows(at[0], at[1], rows, cols, stats.byteOffset);
    if (logSumExp) logSumExpOf(stats, logSumExp, rows);
  }

  addScaled(y: Float64Array, x: Float64Array, alpha: number, n: number): void {
    const at = this.place.offsets('addScaled', y, x);
    if (!at) return tsKernels.addScaled(y, x, alpha, n);
    const [yOffset, xOffset] = at;
    checkLength('y', y, n);
    checkLength('x', x, n);
    // Large updates are split over the threads the way the sparse products split B's rows
    // (splitAt, in whole cache lines), so that each thread updates the weights it reads.
    const threads = this.threads.threadsFor(n * 8, this.threads.threads);
    if (threads > 1) {
      ADD_SCALED_ALPHA[0] = alpha;
      for (let t = 1; t < threads; t++) {
        const i0 = splitAt(n / 8, t, threads) * 8, i1 = t + 1 >= threads ? n : splitAt(n / 8, t + 1, threads) * 8;
        setArgs(this.args, yOffset + 8 * i0, xOffset + 8 * i0, ADD_SCALED_BITS[0], ADD_SCALED_BITS[1], i1 - i0, 0, 0);
        this.threads.start(t - 1, ADD_SCALED, this.args);
      }
    }
    this.wasm.add_scaled(yOffset, xOffset, alpha, threads > 1 ? splitAt(n / 8, 1, threads) * 8 : n);
    for (let t = 1; t < threads; t++) this.threads.wait(t - 1);
  }

  updateWeights(rule: UpdateRule, w: Float64Array, g: Float64Array, s: Float64Array, t: Float64Array, n: number): void {
    const at = this.place.offsets('updateWeights', w, g, s, t);
    if (!at) return tsKernels.updateWeights(rule, w, g, s, t, n);
    for (const [what, array] of [['w', w], ['g', g], ['s', s], ['t', t]] as const) checkLength(what, array, n);
    const k = this.place.slot(SLOT_RULE, 8);
    const fn = UPDATE_FUNCTION[rule.kind];
    ruleCoefficients(rule, k);
    // Pairs of weights in SIMD, split over the threads in whole cache lines like addScaled; an
    // odd last weight by the reference, which does the same operations.
    const even = n & ~1;
    this.byCacheLines(fn, even, at, rule.kind === 'adam' ? 4 : 3, k.byteOffset);
    if (n > even) tsKernels.updateWeights(rule, w.subarray(even), g.subarray(even), s.subarray(even), t.subarray(even), 1);
  }

  reluForward(x: Float64Array, y: Float64Array, n: number): void {
    const at = this.place.offsets('reluForward', x, y);
    if (!at) return tsKernels.reluForward(x, y, n);
    checkLength('x', x, n);
    checkLength('y', y, n);
    this.wasm.relu_forward(at[0], at[1], n);
  }

  reluBackward(y: Float64Array, dy: Float64Array, dx: Float64Array, n: number): void {
    const at = this.place.offsets('reluBackward', y, dy, dx);
    if (!at) return tsKernels.reluBackward(y, dy, dx, n);
    checkLength('y', y, n);
    checkLength('dy', dy, n);
    checkLength('dx', dx, n);
    this.wasm.relu_backward(at[0], at[1], at[2], n);
  }

  // --- The other element-wise layers: sigmoid, dropout, batch norm ---

  sigmoidForward(x: Float64Array, y: Float64Array, n: number): void {
    const at = this.place.offsets('sigmoidForward', x, y);
    if (!at) return tsKernels.sigmoidForward(x, y, n);
    checkLength('x', x, n);
    checkLength('y', y, n);
    this.byCacheLines(SIGMOID_FORWARD, n, at);
  }

  sigmoidBackward(y: Float64Array, dy: Float64Array, dx: Float64Array, n: number): void {
    const at = this.place.offsets('sigmoidBackward', y, dy, dx);
    if (!at) return tsKernels.sigmoidBackward(y, dy, dx, n);
    for (const [what, array] of [['y', y], ['dy', dy], ['dx', dx]] as const) checkLength(what, array, n);
    this.byCacheLines(SIGMOID_BACKWARD, n, at);
  }

  applyMask(x: Float64Array, mask: Float64Array, y: Float64Array, n: number): void {
    const at = this.place.offsets('applyMask', x, mask, y);
    if (!at) return tsKernels.applyMask(x, mask, y, n);
    for (const [what, array] of [['x', x], ['mask', mask], ['y', y]] as const) checkLength(what, array, n);
    this.byCacheLines(APPLY_MASK, n, at);
  }

  batchNormStats(x: Float64Array, mean: Float64Array, variance: Float64Array, rows: number, cols: number): void {
    const at = this.place.offsets('batchNormStats', x, mean, variance);
    if (!at) return tsKernels.batchNormStats(x, mean, variance, rows, cols);
    checkLength('x', x, rows * cols);
    checkLength('mean', mean, cols);
    checkLength('variance', variance, cols);
    this.wasm.bn_stats(at[0], at[1], at[2], rows, cols);
  }

  batchNormNormalize(
    x: Float64Array, mean: Float64Array, std: Float64Array, gamma: Float64Array, beta: Float64Array,
    xc: Float64Array, xn: Float64Array, out: Float64Array, rows: number, cols: number,
  ): void {
    const at = this.place.offsets('batchNormNormalize', x, mean, std, gamma, beta, xc, xn, out);
    if (!at) return tsKernels.batchNormNormalize(x, mean, std, gamma, beta, xc, xn, out, rows, cols);
    for (const [what, array] of [['x', x], ['xc', xc], ['xn', xn], ['out', out]] as const) checkLength(what, array, rows * cols);
    for (const [what, array] of [['mean', mean], ['std', std], ['gamma', gamma], ['beta', beta]] as const) checkLength(what, array, cols);
    this.wasm.bn_normalize(at[0], at[1], at[2], at[3], at[4], at[5], at[6], at[7], rows, cols);
  }

  batchNormBackward(
    dy: Float64Array, xc: Float64Array, xn: Float64Array, gamma: Float64Array, std: Float64Array,
    dgamma: Float64Array, dbeta: Float64Array, sums: Float64Array, dx: Float64Array, rows: number, cols: number, trained: boolean,
  ): void {
    const at = this.place.offsets('batchNormBackward', dy, xc, xn, gamma, std, dgamma, dbeta, sums, dx);
    if (!at) return tsKernels.batchNormBackward(dy, xc, xn, gamma, std, dgamma, dbeta, sums, dx, rows, cols, trained);
    for (const [what, array] of [['dy', dy], ['xc', xc], ['xn', xn], ['dx', dx]] as const) checkLength(what, array, rows * cols);
    for (const [what, array] of [['gamma', gamma], ['std', std], ['dgamma', dgamma], ['dbeta', dbeta]] as const) checkLength(what, array, cols);
    checkLength('sums', sums, 2 * cols);
    this.wasm.bn_backward(at[0], at[1], at[2], at[3], at[4], at[5], at[6], at[7], at[8], rows, cols, trained ? 1 : 0);
  }

  /**
   * fn(...arrays[0..used), [constant,] count) of POOL_FUNCTIONS on n doubles of each array (byte
   * offsets): large ones split over the threads in whole cache lines (splitAt), like addScaled,
   * each part with its arrays' offsets moved to its first value. The parts' arguments go
   * through this.args (the pool copies them at start): nothing is allocated per call.
   */
  private byCacheLines(fn: number, n: number, arrays: readonly number[], used = arrays.length, constant?: number): void {
    const threads = this.threads.threadsFor(n * 8, this.threads.threads);
    const from = (p: number) => (p >= threads ? n : splitAt(n / 8, p, threads) * 8);
    const part = (p: number): Int32Array => {
      const i0 = from(p), args = this.args;
      for (let j = 0; j < used; j++) args[j] = arrays[j] + 8 * i0;
      if (constant !== undefined) args[used] = constant;
      args[constant === undefined ? used : used + 1] = from(p + 1) - i0;
      return args;
    };
    for (let p = 1; p < threads; p++) this.threads.start(p - 1, fn, part(p));
    const a = part(0);
    // Every such function takes at most six arguments; a WebAssembly function ignores extra ones.
    (this.wasm[POOL_FUNCTIONS[fn]] as (...args: number[]) => void)(a[0], a[1], a[2], a[3], a[4], a[5]);
    for (let p = 1; p < threads; p++) this.threads.wait(p - 1);
  }

  // --- end of the element-wise layers ---

  /**
   * The kernel reads the source bytes in the memory: from a byte array elsewhere (a data set
   * read from a file), the rows of this gather are copied in first (WasmPlacement.rowsInMemory).
   */
  gatherRows(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: Float64Array,
  ): void {
    const at = this.place.offsets('gatherRows', out);
    if (!at) return tsKernels.gatherRows(src, indices, start, rows, cols, table, out);
    const outOffset = at[0];
    checkLength('out', out, rows * cols);
    const scratch = this.gatherScratch[0];
    const ids = (scratch.ids = this.place.rowIndices(src, indices, start, rows, cols, scratch.ids));
    const srcOffset = this.place.rowsInMemory(src, ids, rows, cols);
    if (srcOffset < 0) {
      this.place.countSlowPath('gatherRows');
      return tsKernels.gatherRows(src, indices, start, rows, cols, table, out);
    }
    const tableOffset = this.place.placeTable(table, SLOT_TABLE);
    // Large gathers are split by rows over the threads: it is memory traffic, which each core adds to.
    const threads = this.threads.threadsFor(rows * cols, rows, MIN_GATHER_PER_THREAD);
    const part = Math.ceil(rows / threads);
    for (let w = 1; w < threads; w++) {
      const r0 = Math.min(rows, w * part), r1 = Math.min(rows, (w + 1) * part);
      setArgs(this.args, srcOffset, ids.byteOffset + 4 * r0, r1 - r0, cols, tableOffset, outOffset + 8 * r0 * cols, 0);
      this.threads.start(w - 1, GATHER_ROWS, this.args);
    }
    this.wasm.gather_rows(srcOffset, ids.byteOffset, Math.min(rows, part), cols, tableOffset, outOffset);
    for (let w = 1; w < threads; w++) this.threads.wait(w - 1);
  }

  /** See ByteLists: the rows' lists of nonzero bytes, listed once per src, copied and sorted by column. */
  gatherSparse(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix,
  ): void {
    const args = this.gatherCall(src, indices, start, rows, cols, table, out, this.gatherScratch[0]);
    if (args) this.lists.run(args);
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
    this.threads.finish();
    const args = this.gatherCall(src, indices, start, rows, cols, table, out, this.gatherScratch[1]);
    if (args) this.threads.later(args);
  }

  finishBackground(): void {
    this.threads.finish();
  }

  // The window operations of convolution and pooling (kernels.wat). They only copy, compare
  // and add in the reference's order, and each thread takes whole images (im2col, col2im) or
  // planes (pooling), which no other thread writes: the results are the reference's, bit for
  // bit, on any number of threads. Arrays from outside the memory go to the reference loops,
  // counted as slow paths like the other kernels'.
  im2col(x: Float64Array, col: Float64Array, g: Window): void {
    const at = this.place.offsets('im2col', x, col);
    if (!at) return tsKernels.im2col(x, col, g);
    checkWindowArrays(g, x, col);
    this.byImages(IM2COL, at[0], at[1], col.length, g);
  }

  im2colTransposed(x: Float64Array, colT: Float64Array, g: Window): void {
    const at = this.place.offsets('im2colTransposed', x, colT);
    if (!at) return tsKernels.im2colTransposed(x, colT, g);
    checkWindowArrays(g, x, colT);
    this.byImages(IM2COL_TRANSPOSED, at[0], at[1], colT.length, g);
  }

  col2im(col: Float64Array, x: Float64Array, g: Window): void {
    const at = this.place.offsets('col2im', col, x);
    if (!at) return tsKernels.col2im(col, x, g);
    checkWindowArrays(g, x, col);
    x.fill(0, 0, g.n * g.c * g.h * g.w);
    this.byImages(COL2IM, at[1], at[0], col.length, g);
  }

  /** The 2×2 pool with stride 2 and no padding (the book's) has kernels of its own, two outputs at a time in SIMD. */
  maxPoolForward(x: Float64Array, out: Float64Array, argmax: Int32Array, g: Window): void {
    const at = this.place.offsets('maxPoolForward', x, out, argmax);
    if (!at) return tsKernels.maxPoolForward(x, out, argmax, g);
    const outputs = checkWindowArrays(g, x);
    checkLength('out', out, outputs);
    checkLength('argmax', argmax, outputs);
    const perPlane = outputs / (g.n * g.c), tiles = isTiled2x2(g);
    this.byPlanes(tiles ? MAX_POOL_2X2 : MAX_POOL, g, (p0, p1) => {
      const args = [at[0], at[1] + 8 * p0 * perPlane, at[2] + 4 * p0 * perPlane, p0, p1, g.h, g.w];
      return tiles ? args : [...args, g.fh, g.fw, g.stride, g.pad];
    });
  }

  /** argmax must be what maxPoolForward gave for this window: each thread writes only its own planes of dx. */
  maxPoolBackward(dout: Float64Array, argmax: Int32Array, dx: Float64Array, g: Window): void {
    const at = this.place.offsets('maxPoolBackward', dout, argmax, dx);
    if (!at) return tsKernels.maxPoolBackward(dout, argmax, dx, g);
    const outputs = checkWindowArrays(g, dx);
    checkLength('dout', dout, outputs);
    checkLength('argmax', argmax, outputs);
    const perPlane = outputs / (g.n * g.c), pixels = g.h * g.w, tiles = isTiled2x2(g);
    this.byPlanes(tiles ? MAX_POOL_2X2_BACKWARD : MAX_POOL_BACKWARD, g, (p0, p1) => {
      const from = [at[0] + 8 * p0 * perPlane, at[1] + 4 * p0 * perPlane, at[2]];
      return tiles ? [...from, p0, p1, g.h, g.w] : [...from, (p1 - p0) * perPlane, p0 * pixels, (p1 - p0) * pixels];
    });
  }

  avgPoolForward(x: Float64Array, out: Float64Array, g: Window): void {
    const at = this.place.offsets('avgPoolForward', x, out);
    if (!at) return tsKernels.avgPoolForward(x, out, g);
    const outputs = checkWindowArrays(g, x);
    checkLength('out', out, outputs);
    const perPlane = outputs / (g.n * g.c);
    this.byPlanes(AVG_POOL, g, (p0, p1) => [at[0], at[1] + 8 * p0 * perPlane, p0, p1, g.h, g.w, g.fh, g.fw, g.stride, g.pad]);
  }

  avgPoolBackward(dout: Float64Array, dx: Float64Array, g: Window): void {
    const at = this.place.offsets('avgPoolBackward', dout, dx);
    if (!at) return tsKernels.avgPoolBackward(dout, dx, g);
    const outputs = checkWindowArrays(g, dx);
    checkLength('dout', dout, outputs);
    const perPlane = outputs / (g.n * g.c);
    this.byPlanes(AVG_POOL_BACKWARD, g, (p0, p1) => [at[0] + 8 * p0 * perPlane, at[1], p0, p1, g.h, g.w, g.fh, g.fw, g.stride, g.pad]);
  }

  transposeBatch(src: Float64Array, dst: Float64Array, batches: number, rows: number, cols: number): void {
    const at = this.place.offsets('transposeBatch', src, dst);
    if (!at) return tsKernels.transposeBatch(src, dst, batches, rows, cols);
    checkLength('src', src, batches * rows * cols);
    checkLength('dst', dst, batches * rows * cols);
    for (let b = 0; b < batches; b++) this.wasm.transpose(at[0] + 8 * b * rows * cols, at[1] + 8 * b * rows * cols, rows, cols);
  }

  /** im2col, its transposed form or col2im (kernels.wat: their source and destination first) with the images cut into a part per thread. */
  private byImages(fn: number, x: number, col: number, values: number, g: Window): void {
    const image = g.c * g.h * g.w, colImage = values / g.n;
    this.split(fn, g.n, values, (i0, i1) => {
      const xPart = x + 8 * i0 * image, colPart = col + 8 * i0 * colImage;
      return [...(fn === COL2IM ? [colPart, xPart] : [xPart, colPart]), i1 - i0, g.c, g.h, g.w, g.fh, g.fw, g.stride, g.pad];
    });
  }

  private byPlanes(fn: number, g: Window, args: (p0: number, p1: number) => number[]): void {
    this.split(fn, g.n * g.c, g.n * g.c * g.h * g.w, args);
  }

  /**
   * Runs POOL_FUNCTIONS[fn] on `count` items (images, planes) cut into equal parts, a part per
   * thread when `values` (the memory it passes over) is worth it; args gives a part's arguments.
   */
  private split(fn: number, count: number, values: number, args: (from: number, to: number) => number[]): void {
    if (count === 0) return;
    const threads = this.threads.threadsFor(values, count, MIN_WINDOW_PER_THREAD);
    const at = (t: number) => Math.floor((count * t) / threads);
    for (let t = 1; t < threads; t++) this.threads.start(t - 1, fn, args(at(t), at(t + 1)));
    (this.wasm[POOL_FUNCTIONS[fn]] as (...a: number[]) => void)(...args(0, at(1)));
    for (let t = 1; t < threads; t++) this.threads.wait(t - 1);
  }

  /** Stops the worker threads. The kernels still work afterwards, on the calling thread only. */
  dispose(): void {
    this.threads.dispose();
  }

  /** ByteLists.gatherCall, or the TypeScript gather (a counted slow path) when it cannot run in the memory. */
  protected gatherCall(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix, scratch: GatherScratch,
  ): Int32Array | undefined {
    const args = this.lists.gatherCall(src, indices, start, rows, cols, table, out, scratch);
    if (args) return args;
    this.place.countSlowPath('gatherSparse');
    tsKernels.gatherSparse(src, indices, start, rows, cols, table, out);
    return undefined;
  }

  /**
   * C (rows×n) = Σ_q A(r, q)·B(q, j), with A and B read through the strides ars/aqs and
   * bqs/bjs (bytes), C row-major. Splits the rows of C over the threads when that pays.
   */
  private product(
    a: Float64Array, aLength: number, ars: number, aqs: number,
    b: Float64Array, bLength: number, bqs: number, bjs: number, c: Float64Array,
    rows: number, nq: number, n: number,
  ): void {
    checkLength('A', a, aLength);
    checkLength('B', b, bLength);
    checkLength('C', c, rows * n);
    if (rows === 0 || n === 0) return;
    const threads = this.threads.threadsFor(rows * nq * n, rows);
    // Whole blocks of four rows per thread; the calling thread takes the first part.
    const part = Math.ceil(rows / threads / 4) * 4;
    const scratch = this.wasm.gemm_scratch(nq, n) / 8;
    for (let t = 0; t < threads; t++) grown(this.gemmScratch, t, scratch, (length) => this.alloc(length));
    const args = this.args;
    args[0] = this.place.place(a, SLOT_A, aLength, true);
    args[1] = ars;
    args[2] = aqs;
    args[3] = this.place.place(b, SLOT_B, bLength, true);
    args[4] = bqs;
    args[5] = bjs;
    const cOffset = this.place.offsetOf(c);
    args[6] = cOffset >= 0 ? cOffset : this.place.slot(SLOT_C, rows * n).byteOffset;
    args[7] = n * 8;
    args[10] = nq;
    args[11] = n;
    for (let t = 1; t < threads; t++) {
      args[8] = Math.min(rows, t * part);
      args[9] = Math.min(rows, (t + 1) * part);
      args[12] = this.gemmScratch[t].byteOffset;
      this.threads.start(t - 1, GEMM, args);
    }
    this.wasm.gemm(args[0], ars, aqs, args[3], bqs, bjs, args[6], n * 8, 0, Math.min(rows, part), nq, n, this.gemmScratch[0].byteOffset);
    for (let t = 1; t < threads; t++) this.threads.wait(t - 1);
    if (cOffset < 0) c.set(this.place.slot(SLOT_C, rows * n).subarray(0, rows * n));
  }

  /**
   * Row k of C (count×n) = Σ value · (row `index` of B, B size×n) over the entries of list k
   * of `lists` (kernels.wat: sparse_matmul). The parts take the lists (rows of C)
   * at equal shares of the entries: each sum is the same on any thread.
   */
  private listProducts(a: SparseMatrix, lists: SparseLists, count: number, size: number, b: Float64Array, c: Float64Array, n: number): void {
    const entries = this.checkSparse(a, lists, count, size);
    checkLength('B', b, size * n);
    checkLength('C', c, count * n);
    if (count === 0 || n === 0) return;
    const { start, entry } = lists;
    const table = a.table.byteOffset;
    const bOffset = this.place.place(b, SLOT_B, size * n, true);
    const cOffset = this.place.offsetOf(c);
    const cAt = cOffset >= 0 ? cOffset : this.place.slot(SLOT_C, count * n).byteOffset;
    const parts = this.threads.partsFor(entries * n, count);
    const threads = parts > 1 ? this.threads.threadsFor(entries * n, count) : 1;
    const partArgs = (t: number): Int32Array => {
      const from = shareStart(start, count, t, parts), to = shareStart(start, count, t + 1, parts);
      setArgs(this.args, start.byteOffset, entry.byteOffset, table, from, to, bOffset, n * 8, cAt, n * 8, n);
      return this.args;
    };
    if (threads > 1) for (let t = 1; t < parts; t++) this.threads.start(t - 1, SPARSE_MATMUL, partArgs(t));
    for (let t = 0; t < (threads > 1 ? 1 : parts); t++) this.sparseMatmulHere(partArgs(t));
    if (threads > 1) for (let t = 1; t < parts; t++) this.threads.wait(t - 1);
    if (cOffset < 0) c.set(this.place.slot(SLOT_C, count * n).subarray(0, count * n));
  }

  private sparseMatmulHere(a: Int32Array): void {
    this.wasm.sparse_matmul(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
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
}

/** Each row's log-sum-exp from its max and sum (stats: max, sum per row), as the reference: max + log(sum). */
export function logSumExpOf(stats: Float64Array, logSumExp: Float64Array, rows: number): void {
  for (let i = 0; i < rows; i++) logSumExp[i] = stats[2 * i] + Math.log(stats[2 * i + 1]);
}

/** The coefficients of the update functions of kernels.wat (and of native/nnt_update.c), in k. */
export function ruleCoefficients(rule: UpdateRule, k: Float64Array): void {
  switch (rule.kind) {
    case 'momentum':
    case 'nesterov':
      k[0] = rule.mu; k[1] = rule.lr;
      break;
    case 'adagrad':
      k[0] = rule.lr; k[1] = rule.eps;
      break;
    case 'rmsprop':
      k[0] = rule.rho; k[1] = 1 - rule.rho; k[2] = rule.lr; k[3] = rule.eps;
      break;
    case 'adam': {
      const { step, scale } = adamScales(rule);
      k[0] = rule.b1; k[1] = 1 - rule.b1; k[2] = rule.b2; k[3] = 1 - rule.b2; k[4] = step; k[5] = scale; k[6] = rule.eps;
      break;
    }
  }
}

/** alpha of addScaled, and its bits as two i32 halves, for a worker thread. */
const ADD_SCALED_ALPHA = new Float64Array(1);
const ADD_SCALED_BITS = new Int32Array(ADD_SCALED_ALPHA.buffer);

/** args[0], args[1], … = the values given: the arguments of a worker's call, without building an array (this runs every step). */
function setArgs(
  args: Int32Array, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number,
  a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0,
): void {
  args[0] = a0; args[1] = a1; args[2] = a2; args[3] = a3; args[4] = a4; args[5] = a5; args[6] = a6;
  args[7] = a7; args[8] = a8; args[9] = a9; args[10] = a10; args[11] = a11; args[12] = a12; args[13] = a13;
}

/** Whether the window is the 2×2 pool with stride 2 and no padding, whose windows tile the planes (max_pool_2x2). */
function isTiled2x2(g: Window): boolean {
  return g.fh === 2 && g.fw === 2 && g.stride === 2 && g.pad === 0;
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
