import type { UpdateRule } from './kernels';
import { ownError, type BlasAddon } from './native';
import { checkSparseShape, type SparseLists, type SparseMatrix } from './sparse';
import { checkLength } from './wasm-placement';
import type { WasmVariant } from './wasm-module';
import { logSumExpOf, NATIVE_LIST_PRODUCTS, ruleCoefficients, WasmKernels } from './wasm-kernels';
import { shareStart, type ChooserOptions } from './wasm-scheduler';

/**
 * The fewest multiply-adds (m·k·n) of a product that `auto` sends to CBLAS. Smaller ones stay
 * on WebAssembly: at this size the two are a wash within a step (README), and the default
 * two-layer run (whose dense products are 50,000) then gives the same bits on every machine,
 * with or without OpenBLAS.
 */
export const AUTO_NATIVE_MIN = 2 ** 18;

/**
 * The native backend: the WebAssembly backend (its memory, threads and every other kernel)
 * with its dense products of at least `minProduct` multiply-adds done by the system's CBLAS
 * dgemm, on the same arrays in place. dgemm sums in its own order (blocks, FMA), so those
 * products differ from the reference by rounding; for a given library and core type they
 * repeat bit for bit (test/native.test.ts). CBLAS runs on one thread: its sums depend on its
 * thread count, so more threads could not be switched off on a busy machine (as the wasm
 * threads are) without changing a run's bits, nor matched by a resumed run.
 *
 * The sparse first layer's products, where the processor has AVX2 with FMA or AVX-512, run in
 * the addon's vector code (native/nnt_sparse.c), split over the threads as the wasm kernels
 * split them (the workers load the addon): the sums of the wasm module, bit for bit (fused
 * where its variant fuses), two to four times the width.
 */
export class NativeKernels extends WasmKernels {
  override readonly name: string;
  /** The addon's instruction set for the sparse products, "" when it has none here. */
  private readonly sparseIsa: string;
  /** Whether the wasm module fuses its multiply-adds (relaxed SIMD), so the sparse products must too. */
  private readonly fused: boolean;
  /** The arguments of a worker's part of a sparse product (native_list_products). */
  private readonly workerArgs = new Int32Array(14);
  /** The rows of the batch after a gather's, whose lists it prefetches. */
  private nextIds = new Int32Array(0);
  /**
   * No gathers on a worker thread: the addon's gather on the caller, with its prefetch, made
   * two-thread epochs 5–11% faster than the wasm gather on a worker (the caller waits for the
   * worker's lists to reach its core), and as fast as one thread.
   */
  override readonly gatherSparseLater = undefined;
  /** The coefficients of the optimizer's rule, for updateWeights. */
  private readonly ruleK = new Float64Array(8);
  /** Each row's max and sum from softmaxRows. */
  private softmaxStats = new Float64Array(0);

  constructor(
    module: WebAssembly.Module,
    variant: WasmVariant,
    wasmThreads: number,
    private readonly blas: BlasAddon,
    private readonly minProduct = 0,
    chooser: ChooserOptions = {},
    /** The addon's file: the worker threads load it to run their parts of the sparse products. */
    addonFile?: string,
  ) {
    super(module, variant, wasmThreads, chooser, blas.sparseIsa() ? addonFile : undefined);
    blas.setThreads(1);
    const [library, ...config] = blas.library().split(' ');
    const core = library === 'openblas' ? `-${config[config.length - 1]}` : '';
    this.sparseIsa = blas.sparseIsa();
    this.fused = variant === 'relaxed-simd';
    const dense = minProduct > 0 ? `products of ≥ ${minProduct.toLocaleString('en-US')} multiply-adds` : 'dense products';
    const which = this.sparseIsa ? `${dense} and sparse ones (${this.sparseIsa === 'avx512' ? 'AVX-512' : 'AVX2'})` : dense;
    this.name = `native-${library}${core} for ${which}, wasm-${variant} ${count(wasmThreads)} for the rest`;
  }

  // Products below minProduct keep the wasm module's sums: on the addon's vector code where
  // it has one (native/nnt_dense.c, the same bits), else on the wasm module.
  override matmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    if (m * k * n >= this.minProduct) this.blas.matmul(a, b, c, m, k, n);
    else if (this.sparseIsa) this.blas.exactMatmul(a, b, c, m, k, n, this.fused);
    else super.matmul(a, b, c, m, k, n);
  }

  override matmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    if (m * k * n >= this.minProduct) this.blas.matmulTransA(a, b, c, m, k, n);
    else if (this.sparseIsa) this.blas.exactMatmulTransA(a, b, c, m, k, n, this.fused);
    else super.matmulTransA(a, b, c, m, k, n);
  }

  override matmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void {
    if (m * k * n >= this.minProduct) this.blas.matmulTransB(a, b, c, m, n, k);
    else if (this.sparseIsa) this.blas.exactMatmulTransB(a, b, c, m, n, k, this.fused);
    else super.matmulTransB(a, b, c, m, n, k);
  }

  /**
   * The wasm backend's gather, its second step (copy and sort the rows' lists) in the addon,
   * which then prefetches the lists of the rows that follow in `indices` (in training, the
   * next batch): the same integers, without waiting for them next time.
   */
  override gatherSparse(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix,
  ): void {
    const scratch = this.gatherScratch[0];
    if (!this.gatherCall(src, indices, start, rows, cols, table, out, scratch)) return;
    const nextRows = Math.max(0, Math.min(rows, indices.length - start - rows));
    if (this.nextIds.length < nextRows) this.nextIds = new Int32Array(rows);
    for (let r = 0; r < nextRows; r++) this.nextIds[r] = indices[start + rows + r];
    const { listed, ids, columns } = scratch;
    scratch.listed = undefined; // the listing lives as long as its images, not as this scratch
    try {
      this.blas.gatherLists(
        listed!.starts, listed!.entries, ids, rows, cols, out.byRow.start, out.byRow.entry, columns,
        out.byColumn.start, out.byColumn.entry, this.nextIds, nextRows,
      );
    } catch (error) {
      throw ownError(error);
    }
  }

  /**
   * The optimizers' updates in the addon's vector code (native/nnt_update.c), the wasm
   * module's operations on four or eight weights at a time: Adam's division and square root
   * per weight made its update ~80 µs a step of the default net on wasm, ~20 here.
   */
  override updateWeights(rule: UpdateRule, w: Float64Array, g: Float64Array, s: Float64Array, t: Float64Array, n: number): void {
    if (!this.sparseIsa) return super.updateWeights(rule, w, g, s, t, n);
    ruleCoefficients(rule, this.ruleK);
    try {
      this.blas.updateWeights(RULES.indexOf(rule.kind), w, g, s, t, this.ruleK, n);
    } catch (error) {
      throw ownError(error);
    }
  }

  /** Softmax eight rows at a time where the processor has AVX-512 (native/nnt_softmax.c), the wasm module's bits. */
  override softmaxRows(x: Float64Array, out: Float64Array, rows: number, cols: number, logSumExp?: Float64Array): void {
    if (this.softmaxStats.length < 2 * rows) this.softmaxStats = new Float64Array(2 * rows);
    if (logSumExp) checkLength('logSumExp', logSumExp, rows);
    let done: boolean;
    try {
      done = this.blas.softmaxRows(x, out, rows, cols, this.softmaxStats);
    } catch (error) {
      throw ownError(error);
    }
    if (!done) return super.softmaxRows(x, out, rows, cols, logSumExp);
    if (logSumExp) logSumExpOf(this.softmaxStats, logSumExp, rows);
  }

  /** SGD's update (w += (−lr)·g) in the addon's vector code, the wasm module's bits. */
  override addScaled(y: Float64Array, x: Float64Array, alpha: number, n: number): void {
    if (!this.sparseIsa) return super.addScaled(y, x, alpha, n);
    try {
      this.blas.addScaled(y, x, alpha, n, this.fused);
    } catch (error) {
      throw ownError(error);
    }
  }

  override sparseMatmul(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.sparseIsa) return super.sparseMatmul(a, b, c, n);
    this.nativeLists(a, a.byRow, a.rows, a.cols, b, c, n);
  }

  override sparseMatmulTransA(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void {
    if (!this.sparseIsa) return super.sparseMatmulTransA(a, b, c, n);
    this.nativeLists(a, a.byColumn, a.cols, a.rows, b, c, n);
  }

  /**
   * Rows 0..count−1 of C from `lists`, the lists cut at equal shares of the entries over the
   * threads (as the wasm kernels cut them: each row one sum, so the bits are the same on any
   * count). The addon checks the starts and indices it follows, on every thread, as the wasm
   * kernels check them (a RangeError saying which), so they are not checked twice here.
   */
  private nativeLists(a: SparseMatrix, lists: SparseLists, count: number, size: number, b: Float64Array, c: Float64Array, n: number): void {
    const entries = checkSparseShape(a);
    checkLength('B', b, size * n);
    checkLength('C', c, count * n);
    const fused = this.fused && n >= 4;
    const { start, entry } = lists;
    const parts = this.inMemory(a, b, c) ? this.threads.partsFor(entries * n, count) : 1;
    const threads = parts > 1 ? this.threads.threadsFor(entries * n, count) : 1;
    let started = 0;
    try {
      // Split, the lists are checked first, so that no part fails after another has started.
      if (threads > 1) this.blas.checkLists(start, entry, 0, count, size);
      try {
        for (; started + 1 < threads; started++) {
          this.threads.start(started, NATIVE_LIST_PRODUCTS, this.partArgs(a, lists, count, size, b, c, n, fused, started + 1, parts));
        }
        this.blas.listProducts(start, entry, 0, threads > 1 ? shareStart(start, count, 1, parts) : count, size, a.table, b, c, n, fused);
      } finally {
        for (let w = 0; w < started; w++) this.threads.wait(w);
      }
    } catch (error) {
      throw ownError(error);
    }
  }

  /** The arguments of part t on a worker (native_list_products in wasm-pool.ts): byte offsets and lengths in the memory. */
  private partArgs(
    a: SparseMatrix, { start, entry }: SparseLists, count: number, size: number, b: Float64Array, c: Float64Array, n: number,
    fused: boolean, t: number, parts: number,
  ): Int32Array {
    const args = this.workerArgs;
    args[0] = start.byteOffset; args[1] = start.length; args[2] = entry.byteOffset; args[3] = entry.length;
    args[4] = shareStart(start, count, t, parts); args[5] = shareStart(start, count, t + 1, parts); args[6] = size;
    args[7] = a.table.byteOffset; args[8] = b.byteOffset; args[9] = size * n; args[10] = c.byteOffset; args[11] = count * n;
    args[12] = n; args[13] = fused ? 1 : 0;
    return args;
  }

  /** Whether the batch and both operands are views of the wasm memory (which the workers see). */
  private inMemory(a: SparseMatrix, b: Float64Array, c: Float64Array): boolean {
    return this.place.holds(a) && this.place.offsetOf(b) >= 0 && this.place.offsetOf(c) >= 0;
  }
}

/** The rules by their number in native/nnt_update.h. */
const RULES: UpdateRule['kind'][] = ['momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'];

function count(threads: number): string {
  return `×${threads} thread${threads > 1 ? 's' : ''}`;
}
